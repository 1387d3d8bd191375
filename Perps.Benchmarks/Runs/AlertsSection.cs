using Perps.Benchmarks.Infrastructure;
using Perps.Benchmarks.Reporting;
using Perps.Benchmarks.Setup;

namespace Perps.Benchmarks.Runs;

/// <summary>
/// The alerts-over-WebSocket runs, in order: the users (one API key each, 10 wallets each), the cost of
/// <c>--idle-connections</c> idle connections (first, while the API's heap has not yet grown under load, so the growth
/// is theirs), then latency with <c>--alert-clients</c> connected at each of <c>--alert-rates</c>.
/// </summary>
internal static class AlertsSection
{
    public const int WalletsPerUser = 10;

    /// <summary>The server's default <c>Alerts:MaxConnectionsPerKey</c>: the idle run fills every user up to it.</summary>
    public const int ConnectionsPerUser = 5;

    public static async Task<AlertsResult> RunAsync(BenchApp app, IReadOnlyList<AppProcess> processes, TradeBatches feed,
        BenchOptions options, CpuMeter cpu, Action<string> step, CancellationToken ct)
    {
        var api = processes.Where(p => p.Role == "api").ToList();
        var userCount = Math.Max(options.AlertClients, (options.IdleConnections + ConnectionsPerUser - 1) / ConnectionsPerUser);
        var users = await AlertUsers.CreateAsync(app, userCount, WalletsPerUser, ct);
        step($"alerts: {users.Count} users, {WalletsPerUser} wallets each, made; alerts at {app.AlertsUri}");

        step($"alerts: {options.IdleConnections:#,0} idle connections ({ConnectionsPerUser} per user) …");
        var idle = await AlertConnectionsRun.RunAsync(app, api, users, options.IdleConnections, ConnectionsPerUser,
            afterLoad: options.RunsWebhooks, cpu, ct);
        step($"alerts, {idle.Connections:#,0} idle connections: API {idle.ApiResidentBeforeMb} → {idle.ApiResidentWithConnectionsMb} MB " +
            $"(peak {idle.ApiPeakWithConnectionsMb} MB): {idle.SteadyKbPerConnection} KB per connection steady, {idle.PeakKbPerConnection} KB at peak; " +
            $"connected in {idle.ConnectSeconds} s; {idle.ApiResidentAfterCloseMb} MB after they closed");
        step($"alerts: connecting {options.AlertClients} clients …");
        var latency = new List<AlertLatencyResult>();
        var arrivals = new AlertArrivals();
        var clients = new List<AlertClient>();
        try
        {
            foreach (var user in users.Take(options.AlertClients))
            {
                clients.Add(await AlertClient.ConnectAsync(app.AlertsUri, user.ApiKey, arrivals, ct));
            }
            var wallets = AlertUsers.Interleaved(users.Take(options.AlertClients).ToList());
            foreach (var rate in options.AlertRates)
            {
                var run = await AlertLatencyRun.RunAsync(app, arrivals, clients, wallets, feed, rate, options, cpu, ct);
                step($"alerts, {run.Clients} clients at {run.AchievedEventsPerSecond:#,0} events/s: due → frame p50 {run.P50Ms} ms, " +
                    $"p99 {run.P99Ms} ms, max {run.MaxMs} ms; 202 → frame p50 {run.From202P50Ms} ms, p99 {run.From202P99Ms} ms " +
                    $"(sent {run.Sent:#,0}, received {run.Received:#,0}, missing {run.Missing}){(run.IsVoid ? " — VOID" : "")}; " +
                    $"CPU cores: {string.Join(", ", run.CpuCores.Select(kv => $"{kv.Key} {kv.Value}"))}; oldest transaction " +
                    $"{run.OldestTransaction?.AgeMs ?? 0} ms ({run.OldestTransaction?.Application} {run.OldestTransaction?.State}: {run.OldestTransaction?.Query})");
                latency.Add(run);
            }
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }

        return new AlertsResult(latency, idle);
    }
}
