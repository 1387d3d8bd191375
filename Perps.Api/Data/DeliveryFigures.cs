namespace Perps.Api.Data;

/// <summary>A webhook's delivery figures as <see cref="DeliveryStatsStore"/> computes them, at <paramref name="ComputedAt"/>.</summary>
/// <param name="LastDay">Deliveries created in <see cref="DeliveryStatsStore.SummaryWindow"/>.</param>
/// <param name="LastHour">One entry per minute of the last <see cref="DeliveryStatsStore.ChartMinutes"/>, oldest first, empty minutes included.</param>
/// <param name="LastHourAttempts">The attempts of the deliveries created in those minutes.</param>
internal sealed record DeliveryFigures(
    DateTimeOffset ComputedAt,
    DayDeliveryCounts LastDay,
    IReadOnlyList<MinuteDeliveryCounts> LastHour,
    AttemptDurationFigures LastHourAttempts);

/// <summary>Deliveries by current status, and the last time one was created or attempted.</summary>
internal sealed record DayDeliveryCounts(int Deliveries, int Succeeded, int Failed, int Pending, int Skipped, DateTimeOffset? LastDeliveryAt);

/// <summary>Deliveries created in one minute (its start), by current status.</summary>
internal sealed record MinuteDeliveryCounts(DateTimeOffset Minute, int Succeeded, int Failed, int Pending, int Skipped);

/// <summary>How many attempts, and their duration's median and 99th percentile in milliseconds (null without attempts).</summary>
internal sealed record AttemptDurationFigures(int Attempts, double? MedianMs, double? P99Ms);
