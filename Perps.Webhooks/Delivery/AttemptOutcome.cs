namespace Perps.Webhooks.Delivery;

/// <summary>What one HTTP attempt came to.</summary>
public sealed record AttemptOutcome(
    DateTimeOffset AttemptedAt,
    int? StatusCode,
    TimeSpan Duration,
    string? Error,
    string? ResponseBody,
    TimeSpan? RetryAfter)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
}
