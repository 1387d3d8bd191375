using System.Net.WebSockets;
using Perps.Api.Data;

namespace Perps.Api.Alerts;

/// <summary>
/// Closes the alert connections of a key that has been revoked (1008), within <see cref="CheckEvery"/>. Its alerts
/// stop at once anyway: the hub only sends to keys that are still active.
/// </summary>
internal sealed partial class RevokedKeyCloser(AlertHub hub, ApiKeyStore apiKeys, TimeProvider time, ILogger<RevokedKeyCloser> logger) : BackgroundService
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckEvery, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var connections = hub.Connections();
            if (connections.Count == 0)
            {
                continue;
            }
            try
            {
                var revoked = (await apiKeys.RevokedAmongAsync(connections.Select(c => c.ApiKeyId).Distinct().ToList(), stoppingToken)).ToHashSet();
                foreach (var connection in connections.Where(c => revoked.Contains(c.ApiKeyId)))
                {
                    connection.Close(WebSocketCloseStatus.PolicyViolation, "API key revoked");
                }
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                LogCheckFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(1004, LogLevel.Warning, "Could not check alert connections' keys for revocation; trying again shortly")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}
