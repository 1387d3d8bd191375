using Perps.Api.Data;

namespace Perps.Api.Contracts;

public sealed record TestWebhookRequest(string? Type = null);

public sealed record RecoverRequest(DateTimeOffset Since);

public sealed record DeliveryResponse(
    string Id,
    string EventId,
    string EventType,
    string Status,
    int Attempts,
    int? LastStatusCode,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? NextAttemptAt)
{
    internal static DeliveryResponse From(DeliveryRow row) =>
        new(row.Id, row.EventId, row.EventType, row.Status, row.Attempts, row.LastStatusCode, row.LastError,
            row.CreatedAt, row.LastAttemptAt, row.NextAttemptAt);
}

public sealed record AttemptResponse(
    int Attempt,
    DateTimeOffset AttemptedAt,
    int? StatusCode,
    double DurationMs,
    string? Error,
    string? ResponseBody)
{
    internal static AttemptResponse From(AttemptRow row) =>
        new(row.Attempt, row.AttemptedAt, row.StatusCode, row.DurationMs, row.Error, row.ResponseBody);
}

public sealed record DeliveryListEnvelope(IReadOnlyList<DeliveryResponse> Deliveries, string? NextCursor) : Envelope;

/// <summary><c>payload</c> is the body every attempt sent, as the exact string the endpoint received.</summary>
public sealed record DeliveryDetailEnvelope(DeliveryResponse Delivery, IReadOnlyList<AttemptResponse> Attempts, string? Payload) : Envelope;

public sealed record DeliveryEnvelope(DeliveryResponse Delivery) : Envelope;

public sealed record TestResultResponse(string DeliveryId, string EventId, string EventType, bool Succeeded, int? StatusCode, double DurationMs, string? Error, string? ResponseBody);

public sealed record TestResultEnvelope(TestResultResponse Test) : Envelope;

public sealed record RecoverEnvelope(int Requeued) : Envelope;
