namespace Perps.Api.Data;

/// <summary>One attempt of a delivery: when, how the endpoint answered (or the error), and how long it took.</summary>
internal sealed record AttemptRow(
    int Attempt,
    DateTimeOffset AttemptedAt,
    int? StatusCode,
    double DurationMs,
    string? Error,
    string? ResponseBody);
