namespace Perps.Dispatcher;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Consuming {Stream} as {Consumer} in group {Group}")]
    public static partial void Consuming(ILogger logger, string stream, string consumer, string group);

    [LoggerMessage(2, LogLevel.Warning, "Stream read failed; retrying")]
    public static partial void StreamReadFailed(ILogger logger, Exception exception);

    [LoggerMessage(3, LogLevel.Warning, "Fan-out of {Count} events failed; their entries stay pending and are retried")]
    public static partial void FanOutFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(4, LogLevel.Warning, "Scheduler pass failed; retrying")]
    public static partial void SchedulerFailed(ILogger logger, Exception exception);

    [LoggerMessage(5, LogLevel.Warning, "Recording {Count} attempts failed; retrying")]
    public static partial void RecordFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(6, LogLevel.Warning, "Webhook {WebhookId} disabled (repeated failed deliveries, or 410 Gone)")]
    public static partial void WebhookDisabled(ILogger logger, string webhookId);

    [LoggerMessage(7, LogLevel.Information, "Fanning out {Count} events stored long ago whose stream entries are gone")]
    public static partial void RecoveredEvents(ILogger logger, int count);

    [LoggerMessage(8, LogLevel.Information, "Handed back {Count} unfinished deliveries at shutdown")]
    public static partial void HandedBack(ILogger logger, int count);

    [LoggerMessage(9, LogLevel.Error, "Delivery {DeliveryId} failed unexpectedly; the attempt is recorded as failed")]
    public static partial void DeliveryCrashed(ILogger logger, Exception exception, string deliveryId);

    [LoggerMessage(10, LogLevel.Information, "Created consumer group {Group} on {Stream}")]
    public static partial void CreatedGroup(ILogger logger, string group, string stream);

    [LoggerMessage(11, LogLevel.Warning, "Acknowledging {Count} recorded entries failed; they are reclaimed and yield nothing new")]
    public static partial void AcknowledgeFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(12, LogLevel.Warning, "Delivery {DeliveryId} attempt {Attempt} was taken over by another replica while it waited for a slot; not sent here")]
    public static partial void LeaseLost(ILogger logger, string deliveryId, int attempt);

    [LoggerMessage(13, LogLevel.Warning, "Renewing the lease of delivery {DeliveryId} failed; not sent now, it is claimed again when the lease runs out")]
    public static partial void LeaseRenewalFailed(ILogger logger, Exception exception, string deliveryId);

    [LoggerMessage(14, LogLevel.Debug, "Deferred {Count} deliveries of users at their share of the send slots")]
    public static partial void Deferred(ILogger logger, int count);

    [LoggerMessage(15, LogLevel.Warning, "Deferring {Count} deliveries failed; they are claimed again when their leases run out")]
    public static partial void DeferFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(16, LogLevel.Error, "Recording attempt {Attempt} of delivery {DeliveryId} failed for good; recorded without the receiver's text")]
    public static partial void RecordIsolated(ILogger logger, Exception exception, string deliveryId, int attempt);

    [LoggerMessage(17, LogLevel.Critical, "Attempt {Attempt} of delivery {DeliveryId} cannot be recorded; dropped, the delivery is claimed again when its lease runs out")]
    public static partial void RecordDropped(ILogger logger, Exception exception, string deliveryId, int attempt);

    [LoggerMessage(18, LogLevel.Warning, "Releasing {Count} fanned-out events failed; the sweep releases them later")]
    public static partial void ReleaseFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(19, LogLevel.Warning, "Renewing the leases of {Count} fan-outs in progress failed; retrying")]
    public static partial void EntryRenewalFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(20, LogLevel.Information, "Sweep skipped: the stream holds {Length} entries, too many to tell which events it still names")]
    public static partial void SweepSkipped(ILogger logger, long length);

    [LoggerMessage(21, LogLevel.Information, "Removed {Deliveries} deliveries (with their attempts) and {Events} events older than {Age}")]
    public static partial void Removed(ILogger logger, long deliveries, long events, TimeSpan age);

    [LoggerMessage(22, LogLevel.Warning, "Removing aged deliveries and events failed; retried at the next interval")]
    public static partial void RetentionFailed(ILogger logger, Exception exception);

    [LoggerMessage(23, LogLevel.Warning, "Queueing {Count} webhook.disabled events failed; the sweep fans them out later")]
    public static partial void NoticeEnqueueFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(24, LogLevel.Warning, "The throttle could not be reached for {Count} deliveries to rate-limited or paused endpoints; they are due again in 1 s")]
    public static partial void ThrottleFailed(ILogger logger, Exception exception, int count);
}
