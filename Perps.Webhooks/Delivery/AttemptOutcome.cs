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

    /// <summary>410 Gone: the endpoint asks never to be sent to again (Standard Webhooks); it is disabled at once.</summary>
    public bool IsGone => StatusCode is 410;

    /// <summary>How long a 429 with Retry-After asks the whole endpoint to wait.</summary>
    public TimeSpan? PauseRequested => StatusCode is 429 && RetryAfter is { } wait && wait > TimeSpan.Zero ? wait : null;
}
