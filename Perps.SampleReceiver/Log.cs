namespace Perps.SampleReceiver;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Received {Type} event {EventId} (delivery {DeliveryId})")]
    public static partial void Received(ILogger logger, string type, string eventId, string deliveryId);

    [LoggerMessage(2, LogLevel.Warning, "Invalid webhook signature on delivery {DeliveryId}")]
    public static partial void InvalidSignature(ILogger logger, string deliveryId);

    [LoggerMessage(3, LogLevel.Information, "Duplicate delivery {DeliveryId}: already processed")]
    public static partial void Duplicate(ILogger logger, string deliveryId);

    [LoggerMessage(4, LogLevel.Information, "No Receiver:DiscordWebhookUrl; would have posted: {Title} {Size} at {Entry}")]
    public static partial void DiscordNotConfigured(ILogger logger, string title, string size, string entry);

    [LoggerMessage(5, LogLevel.Error, "Could not post delivery {DeliveryId} to Discord; answering 500 so Perps retries it")]
    public static partial void DiscordFailed(ILogger logger, Exception exception, string deliveryId);

    [LoggerMessage(6, LogLevel.Warning, "Delivery {DeliveryId} has a valid signature but a body that is not a trade event")]
    public static partial void UnreadableEvent(ILogger logger, Exception exception, string deliveryId);

    [LoggerMessage(7, LogLevel.Warning, "Delivery {DeliveryId} refused: Standard Webhooks signature check gave {Result}")]
    public static partial void InvalidStandardSignature(ILogger logger, string deliveryId, Webhooks.StandardSignatureResult result);
}
