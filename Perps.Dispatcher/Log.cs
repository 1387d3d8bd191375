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

    [LoggerMessage(6, LogLevel.Warning, "Webhook {WebhookId} disabled after repeated failed deliveries")]
    public static partial void WebhookDisabled(ILogger logger, string webhookId);

    [LoggerMessage(7, LogLevel.Information, "Recovered {Count} events that were stored but never fanned out")]
    public static partial void RecoveredEvents(ILogger logger, int count);

    [LoggerMessage(8, LogLevel.Information, "Handed back {Count} unfinished deliveries at shutdown")]
    public static partial void HandedBack(ILogger logger, int count);

    [LoggerMessage(9, LogLevel.Error, "Delivery {DeliveryId} failed unexpectedly; it is retried when its lease expires")]
    public static partial void DeliveryCrashed(ILogger logger, Exception exception, string deliveryId);

    [LoggerMessage(10, LogLevel.Information, "Created consumer group {Group} on {Stream}")]
    public static partial void CreatedGroup(ILogger logger, string group, string stream);

    [LoggerMessage(11, LogLevel.Warning, "Acknowledging {Count} fanned-out entries failed; they are reclaimed and yield nothing new")]
    public static partial void AcknowledgeFailed(ILogger logger, Exception exception, int count);
}
