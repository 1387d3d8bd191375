using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Perps.Api.Feed;

/// <summary>Degraded (still 200 on /health) while the demo feed's last tick failed: a demo never makes the API unhealthy.</summary>
internal sealed class TradeFeedHealthCheck(TradeFeed feed) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(feed.LastError switch
        {
            null when !feed.IsRunning => HealthCheckResult.Healthy("The trade feed is off."),
            null => HealthCheckResult.Healthy("The trade feed is running."),
            { } error => HealthCheckResult.Degraded($"The trade feed's last tick failed: {error}"),
        });
}
