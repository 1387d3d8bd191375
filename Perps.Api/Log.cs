namespace Perps.Api;

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
}
