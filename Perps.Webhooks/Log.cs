using Microsoft.Extensions.Logging;

namespace Perps.Webhooks;

internal static partial class Log
{
    // 901–902: the delivery network policy (Security/). The user sees a generic refusal; the details stay here.
    [LoggerMessage(901, LogLevel.Warning, "Delivery connection to {Host} refused: it resolves only to non-public addresses {Addresses}")]
    public static partial void RefusedNonPublic(ILogger logger, string host, string addresses);

    [LoggerMessage(902, LogLevel.Information, "Delivery connection to {Host} refused: the name does not resolve")]
    public static partial void RefusedUnresolved(ILogger logger, Exception? exception, string host);
}
