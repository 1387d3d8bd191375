namespace Perps.Api;

/// <summary>
/// The API's log messages. Event ids go by area, in hundreds, so an id tells where it comes from: 1–99 startup,
/// requests and ingestion (here); 600s the demo trade feed; 700s rate limits; 800s secrets; 1000s alerts (beside
/// their classes). The shared library's are 900s (<c>Perps.Webhooks/Log.cs</c>); the dispatcher numbers its own from 1.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Applied schema migration {Version}")]
    public static partial void AppliedMigration(ILogger logger, int version);

    [LoggerMessage(2, LogLevel.Warning, "Database not ready (attempt {Attempt}): {Reason}")]
    public static partial void DatabaseNotReady(ILogger logger, int attempt, string reason);

    [LoggerMessage(3, LogLevel.Error, "Unhandled error on {Method} {Path}")]
    public static partial void UnhandledError(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(4, LogLevel.Warning, "Accepted events are stored but could not be queued; the dispatchers' sweep will fan them out")]
    public static partial void EnqueueFailed(ILogger logger, Exception exception);

    [LoggerMessage(5, LogLevel.Warning, "{Method} {Path} answered 503, storage not answering in time: {Reason}")]
    public static partial void StorageNotAnswering(ILogger logger, string method, string path, string reason);

    // 601–604: the demo trade feed (Feed/).
    [LoggerMessage(601, LogLevel.Information, "Trade feed on: one trade every {Interval} for the watched wallets")]
    public static partial void FeedStarted(ILogger logger, TimeSpan interval);

    [LoggerMessage(602, LogLevel.Information, "Trade feed: {Count} watched wallets (it trades only for watched wallets)")]
    public static partial void FeedWallets(ILogger logger, int count);

    [LoggerMessage(603, LogLevel.Information, "Trade feed ingested {Type} {EventId} on {MarketSymbol} for {Owner}")]
    public static partial void FeedTrade(ILogger logger, string type, string eventId, string marketSymbol, string owner);

    [LoggerMessage(604, LogLevel.Warning, "Trade feed tick failed; trying again next tick")]
    public static partial void FeedTickFailed(ILogger logger, Exception exception);

    // 701: rate limits (RateLimits/).
    [LoggerMessage(701, LogLevel.Warning, "Client {Address} has spent its failed-authentication allowance; its keyed requests get 429 until it refills")]
    public static partial void FailedAuthLimitReached(ILogger logger, string address);

    // 801–803: re-sealing webhook secrets under the current key (Secrets/).
    [LoggerMessage(801, LogLevel.Information, "Webhook secrets: {Resealed} re-sealed under the current key, {Unreadable} that no configured key opens")]
    public static partial void Resealed(ILogger logger, int resealed, int unreadable);

    [LoggerMessage(802, LogLevel.Warning, "The secret of webhook {WebhookId} opens under no configured key (Secrets:Key, Secrets:PreviousKeys): it cannot be signed with until regenerated")]
    public static partial void SecretUnreadable(ILogger logger, string webhookId);

    [LoggerMessage(803, LogLevel.Warning, "Re-sealing webhook secrets failed; the next sweep tries again")]
    public static partial void ResealFailed(ILogger logger, Exception exception);
}
