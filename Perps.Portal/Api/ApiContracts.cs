using System.Text.Json.Serialization;

namespace Perps.Portal.Api;

// The API's JSON, as the portal reads it (snake_case on the wire). The portal's own copy: it knows the API only as a
// client does, through its public contract.

public sealed record Webhook(
    string Id,
    string Url,
    string[] Events,
    bool IsActive,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? DisabledAt,
    string? DisabledReason,
    DateTimeOffset? PreviousSecretExpiresAt = null);

/// <summary>The answer of creation and of secret regeneration: the only time the secret is seen.</summary>
/// <param name="PreviousSecretExpiresAt">After a regeneration with a grace period: until when the replaced secret also signs.</param>
public sealed record WebhookWithSecret(string Id, string Url, string[] Events, bool IsActive, string Secret, DateTimeOffset? PreviousSecretExpiresAt = null);

public sealed record Wallet(string Address, DateTimeOffset CreatedAt);

public sealed record Delivery(
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
    /// <summary>Only a finished delivery can be sent again; a pending one is still being tried.</summary>
    public bool IsFinished => Status != DeliveryStatuses.Pending;
}

public sealed record Attempt([property: JsonPropertyName("attempt")] int Number, DateTimeOffset AttemptedAt, int? StatusCode, double DurationMs, string? Error, string? ResponseBody);

public sealed record DeliveryDetail(Delivery Delivery, IReadOnlyList<Attempt> Attempts, string? Payload);

public sealed record DeliveryPage(IReadOnlyList<Delivery> Deliveries, string? NextCursor);

public sealed record TestResult(string DeliveryId, string EventType, bool Succeeded, int? StatusCode, double DurationMs, string? Error, string? ResponseBody);

public sealed record WebhookStats([property: JsonPropertyName("last_24_hours")] DeliverySummary Last24Hours, IReadOnlyList<MinuteCounts> LastHour, AttemptDurations LastHourAttempts);

public sealed record DeliverySummary(int Deliveries, int Succeeded, int Failed, int Pending, int Skipped, double? SuccessRate, DateTimeOffset? LastDeliveryAt);

public sealed record MinuteCounts(DateTimeOffset Minute, int Succeeded, int Failed, int Pending, int Skipped)
{
    public int Total => Succeeded + Failed + Pending + Skipped;
}

public sealed record AttemptDurations(
    int Attempts,
    [property: JsonPropertyName("p50_ms")] double? P50Ms,
    [property: JsonPropertyName("p99_ms")] double? P99Ms);

/// <summary>One trade as an alert frame carries it (the webhook body and its cursor), or as <c>GET /api/events</c> lists it.</summary>
public sealed record TradeAlert(string Id, string Type, long Created, TradeData Data, string? Cursor);

/// <summary>The payload's own field names (camelCase), not the management API's snake_case.</summary>
public sealed record TradeData(
    [property: JsonPropertyName("owner")] string Owner,
    [property: JsonPropertyName("marketSymbol")] string MarketSymbol,
    [property: JsonPropertyName("side")] string Side,
    [property: JsonPropertyName("sizeUsd")] double SizeUsd,
    [property: JsonPropertyName("leverage")] double Leverage,
    [property: JsonPropertyName("entryPrice")] double EntryPrice,
    [property: JsonPropertyName("exitPrice")] double? ExitPrice,
    [property: JsonPropertyName("pnlUsd")] double? PnlUsd);

public static class EventTypes
{
    public static readonly IReadOnlyList<string> All = ["trade.new", "trade.close", "trade.liquidation"];
}

public static class DeliveryStatuses
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Skipped = "skipped";

    public static readonly IReadOnlyList<string> All = [Succeeded, Failed, Pending, Skipped];
}
