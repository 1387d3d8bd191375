namespace Perps.Webhooks.Delivery;

/// <summary>What one HTTP attempt came to. The receiver's text (error, body) is cleaned here, once, for every use.</summary>
public sealed record AttemptOutcome(
    DateTimeOffset AttemptedAt,
    int? StatusCode,
    TimeSpan Duration,
    string? Error,
    string? ResponseBody,
    TimeSpan? RetryAfter)
{
    public string? Error { get; } = ReceiverText.Clean(Error, ReceiverText.MaxErrorLength);

    public string? ResponseBody { get; } = ReceiverText.Clean(ResponseBody, ReceiverText.MaxBodyLength);

    public bool Succeeded => StatusCode is >= 200 and < 300;
}
