namespace Perps.Api.Data;

/// <summary>A delivery as the history shows it, with its event's type.</summary>
/// <param name="NextAttemptAt">When a pending delivery is next tried.</param>
internal sealed record DeliveryRow(
    string Id,
    string EventId,
    string EventType,
    string Status,
    int Attempts,
    int? LastStatusCode,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? NextAttemptAt);
