using System.Collections.Concurrent;
using System.Diagnostics;
using Perps.Benchmarks.Infrastructure;
using Perps.Benchmarks.Setup;

namespace Perps.Benchmarks.Runs;

internal sealed record AlertConnectionsResult(
    int Connections,
    int Users,
    int ConnectionsPerUser,
    int WalletsPerUser,
    double ConnectSeconds,
    double ApiResidentBeforeMb,
    double ApiResidentWithConnectionsMb,
    double ApiPeakWithConnectionsMb,
    double ApiResidentAfterCloseMb,
    double SteadyKbPerConnection,
    double PeakKbPerConnection,
    double ApiIdleCpuCores,
    int ClosedWhileIdle,
    bool GcInduced,
    bool AfterLoad)
{
    /// <summary>
    /// Whether the figures per connection mean anything: not after the webhook runs (their load grew the API's heap,
    /// whose free space, kept even after a full GC, absorbs the connections), nor when the memory did not grow at all.
    /// </summary>
    public bool IsValid => !AfterLoad && SteadyKbPerConnection > 0;
}

/// <summary>
/// What an idle alert connection costs the API: its resident memory with none of the benchmark's connections open,
/// then with <c>--idle-connections</c> of them open and quiet (every user at the per-key limit of connections), and
/// again after they close. Each steady figure follows a full GC in the API (<see cref="InducedGc"/>) and averages a few
/// samples; the peak is VmHWM, reset before connecting.
/// </summary>
internal static class AlertConnectionsRun
{
    public const int ConnectingAtOnce = 16;
    private const int WarmupConnections = 20;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Sample = TimeSpan.FromSeconds(3);

    public static async Task<AlertConnectionsResult> RunAsync(BenchApp app, IReadOnlyList<AppProcess> api, IReadOnlyList<AlertUser> users,
        int connections, int perUser, bool afterLoad, CpuMeter cpu, CancellationToken ct)
    {
        // Connections opened and closed once first: code and pools that the first connection brings are no connection's cost.
        var arrivals = new AlertArrivals();
        await Task.WhenAll((await Task.WhenAll(users.Take(WarmupConnections)
            .Select(u => AlertClient.ConnectAsync(app.AlertsUri, u.ApiKey, arrivals, ct)))).Select(c => c.DisposeAsync().AsTask()));
        await Task.Delay(Settle, ct);
        var gcInduced = true;
        var before = await SteadyResidentAsync(api, induced => gcInduced &= induced, ct);
        foreach (var process in api)
        {
            ProcessProbe.ResetPeak(process);
        }

        var open = new ConcurrentBag<AlertClient>();
        var clock = Stopwatch.StartNew();
        try
        {
            await Parallel.ForAsync(0, connections, new ParallelOptions { MaxDegreeOfParallelism = ConnectingAtOnce, CancellationToken = ct },
                async (i, token) => open.Add(await AlertClient.ConnectAsync(app.AlertsUri, users[i / perUser].ApiKey, arrivals, token)));
            var connectSeconds = clock.Elapsed.TotalSeconds;

            await Task.Delay(Settle, ct);
            var cpuFrom = cpu.Take();
            var with = await SteadyResidentAsync(api, induced => gcInduced &= induced, ct);
            var idleCores = CpuMeter.Seconds(cpuFrom, cpu.Take()).GetValueOrDefault("api") / Sample.TotalSeconds;
            var peak = api.Sum(ProcessProbe.PeakBytes);
            var closed = open.Count(c => c.ClosedBecause is not null);

            await Task.WhenAll(open.Select(c => c.DisposeAsync().AsTask()));
            open.Clear();
            await Task.Delay(Settle, ct);
            var after = await SteadyResidentAsync(api, induced => gcInduced &= induced, ct);

            return new AlertConnectionsResult(
                connections,
                Users: (connections + perUser - 1) / perUser,
                ConnectionsPerUser: perUser,
                WalletsPerUser: users[0].Wallets.Count,
                ConnectSeconds: Math.Round(connectSeconds, 1),
                ApiResidentBeforeMb: Mb(before),
                ApiResidentWithConnectionsMb: Mb(with),
                ApiPeakWithConnectionsMb: Mb(peak),
                ApiResidentAfterCloseMb: Mb(after),
                SteadyKbPerConnection: Math.Round((with - before) / 1024.0 / connections, 1),
                PeakKbPerConnection: Math.Round((peak - before) / 1024.0 / connections, 1),
                ApiIdleCpuCores: Math.Round(idleCores, 3),
                ClosedWhileIdle: closed,
                GcInduced: gcInduced,
                AfterLoad: afterLoad);
        }
        finally
        {
            await Task.WhenAll(open.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    /// <summary>The API's resident memory (all replicas) after a full GC in each, averaged over a few samples.</summary>
    private static async Task<double> SteadyResidentAsync(IReadOnlyList<AppProcess> api, Action<bool> gcInduced, CancellationToken ct)
    {
        foreach (var process in api)
        {
            gcInduced(await InducedGc.CollectAsync(process, ct));
        }
        var samples = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            samples.Add(api.Sum(ProcessProbe.ResidentBytes));
            await Task.Delay(Sample / 6, ct);
        }
        return samples.Average();
    }

    private static double Mb(double bytes) => Math.Round(bytes / 1048576.0, 1);
}
