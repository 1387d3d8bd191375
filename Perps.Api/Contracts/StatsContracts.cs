using System.Text.Json.Serialization;
using Perps.Api.Data;

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
    AttemptDurations LastHourAttempts)
{
    internal static WebhookStatsResponse From(string webhookId, DeliveryFigures figures) =>
        new(webhookId, figures.ComputedAt, DeliverySummary.From(figures.LastDay),
            figures.LastHour.Select(MinuteCounts.From).ToList(), AttemptDurations.From(figures.LastHourAttempts));
}

/// <summary><c>success_rate</c> is succeeded / (succeeded + failed), 0 to 1; null while none has finished.</summary>
public sealed record DeliverySummary(
    int Deliveries,
    int Succeeded,
    int Failed,
    int Pending,
    int Skipped,
    double? SuccessRate,
    DateTimeOffset? LastDeliveryAt)
{
    internal static DeliverySummary From(DayDeliveryCounts counts) =>
        new(counts.Deliveries, counts.Succeeded, counts.Failed, counts.Pending, counts.Skipped,
            counts.Succeeded + counts.Failed == 0 ? null : (double)counts.Succeeded / (counts.Succeeded + counts.Failed),
            counts.LastDeliveryAt);
}

/// <summary>Deliveries created in one minute (its start), by outcome. Sixty of them, oldest first, empty minutes included.</summary>
public sealed record MinuteCounts(DateTimeOffset Minute, int Succeeded, int Failed, int Pending, int Skipped)
{
    internal static MinuteCounts From(MinuteDeliveryCounts counts) =>
        new(counts.Minute, counts.Succeeded, counts.Failed, counts.Pending, counts.Skipped);
}

/// <summary>The attempts of the last hour's deliveries: how many, and their duration's median and 99th percentile.</summary>
public sealed record AttemptDurations(
    int Attempts,
    [property: JsonPropertyName("p50_ms")] double? P50Ms,
    [property: JsonPropertyName("p99_ms")] double? P99Ms)
{
    /// <summary>Durations to a tenth of a millisecond: finer is noise.</summary>
    internal static AttemptDurations From(AttemptDurationFigures figures) =>
        new(figures.Attempts, Round(figures.MedianMs), Round(figures.P99Ms));

    private static double? Round(double? milliseconds) => milliseconds is { } value ? Math.Round(value, 1) : null;
}

public sealed record WebhookStatsEnvelope(WebhookStatsResponse Stats) : Envelope;
