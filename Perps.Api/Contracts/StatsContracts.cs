using System.Text.Json.Serialization;

namespace Perps.Api.Contracts;

/// <summary>
/// A webhook's delivery figures, computed in the database: what a dashboard shows at a glance without fetching the
/// history. Deliveries count by when they were created; a delivery's outcome is its current status.
/// </summary>
public sealed record WebhookStatsResponse(
    string WebhookId,
    DateTimeOffset GeneratedAt,
    [property: JsonPropertyName("last_24_hours")] DeliverySummary Last24Hours,
    IReadOnlyList<MinuteCounts> LastHour,
    AttemptDurations LastHourAttempts);

/// <summary><c>success_rate</c> is succeeded / (succeeded + failed), 0 to 1; null while none has finished.</summary>
public sealed record DeliverySummary(
    int Deliveries,
    int Succeeded,
    int Failed,
    int Pending,
    int Skipped,
    double? SuccessRate,
    DateTimeOffset? LastDeliveryAt);

/// <summary>Deliveries created in one minute (its start), by outcome. Sixty of them, oldest first, empty minutes included.</summary>
public sealed record MinuteCounts(DateTimeOffset Minute, int Succeeded, int Failed, int Pending, int Skipped);

/// <summary>The attempts of the last hour's deliveries: how many, and their duration's median and 99th percentile.</summary>
public sealed record AttemptDurations(
    int Attempts,
    [property: JsonPropertyName("p50_ms")] double? P50Ms,
    [property: JsonPropertyName("p99_ms")] double? P99Ms);

public sealed record WebhookStatsEnvelope(WebhookStatsResponse Stats) : Envelope;
