using Microsoft.Extensions.Diagnostics.HealthChecks;
using Perps.Webhooks.Telemetry;

namespace Perps.Dispatcher.Health;

/// <summary>
/// Healthy when both loops (stream consumer and scheduler) have gone round recently, not merely when the process is
/// up; degraded when the stream backs up. Reports the stream's lag and pending count.
/// </summary>
internal sealed class DispatcherHealthCheck(DispatcherHeartbeat heartbeat, PerpsMetrics metrics) : IHealthCheck
{
    private static readonly TimeSpan Stale = TimeSpan.FromSeconds(30);
    private static readonly string[] Loops = [DispatcherHeartbeat.Stream, DispatcherHeartbeat.Scheduler];
    private const long BackedUpLag = 10_000;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var ages = heartbeat.Ages();
        var data = ages.ToDictionary(a => $"{a.Key}_seconds_since_last_pass", a => (object)Math.Round(a.Value.TotalSeconds, 1));
        var (lag, pending) = metrics.Stream;
        data["stream_lag"] = lag;
        data["stream_pending"] = pending;
        var stuck = Loops.Where(loop => !ages.TryGetValue(loop, out var age) || age > Stale).ToList();
        return Task.FromResult(stuck.Count > 0
            ? HealthCheckResult.Unhealthy($"not running recently: {string.Join(", ", stuck)}", data: data)
            : lag > BackedUpLag
                ? HealthCheckResult.Degraded($"the event stream is {lag} entries behind", data: data)
                : HealthCheckResult.Healthy("stream consumer and scheduler are running", data));
    }
}
