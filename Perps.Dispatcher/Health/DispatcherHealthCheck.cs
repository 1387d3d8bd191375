using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Perps.Dispatcher.Health;

/// <summary>Healthy when both loops (stream consumer and scheduler) have gone round recently, not merely when the process is up.</summary>
internal sealed class DispatcherHealthCheck(DispatcherHeartbeat heartbeat) : IHealthCheck
{
    private static readonly TimeSpan Stale = TimeSpan.FromSeconds(30);
    private static readonly string[] Loops = ["stream", "scheduler"];

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var ages = heartbeat.Ages();
        var data = ages.ToDictionary(a => $"{a.Key}_seconds_since_last_pass", a => (object)Math.Round(a.Value.TotalSeconds, 1));
        var stuck = Loops.Where(loop => !ages.TryGetValue(loop, out var age) || age > Stale).ToList();
        return Task.FromResult(stuck.Count == 0
            ? HealthCheckResult.Healthy("stream consumer and scheduler are running", data)
            : HealthCheckResult.Unhealthy($"not running recently: {string.Join(", ", stuck)}", data: data));
    }
}
