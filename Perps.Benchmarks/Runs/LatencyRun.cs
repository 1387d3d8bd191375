using System.Diagnostics;
using Perps.Benchmarks.Infrastructure;
using Perps.Benchmarks.Reporting;
using Perps.Benchmarks.Setup;

namespace Perps.Benchmarks.Runs;

internal sealed record LatencyResult(
    int FanOut,
    double TargetEventsPerSecond,
    double AchievedEventsPerSecond,
    long Events,
    long Missing,
    double P50Ms,
    double P99Ms,
    double MaxMs,
    double From202P50Ms,
    double From202P99Ms,
    double From202MaxMs,
    long ArrivedBefore202,
    double SendLagP99Ms,
    double SendLagMaxMs,
    double IngestP50Ms,
    double IngestP99Ms,
    LedgerLine Ledger)
{
    /// <summary>CPU per event delivered in the measured window, ms, per role: what the load costs at this rate.</summary>
    public Dictionary<string, double> CpuMsPerEvent { get; init; } = [];

    /// <summary>Cores kept busy in the measured window, all roles together (2 = both cores of this machine).</summary>
    public double BusyCores { get; init; }

    /// <summary>The p99 from the due time of the events due in each second of the measured window, ms.</summary>
    public IReadOnlyList<double> P99MsBySecond { get; init; } = [];
}

/// <summary>
/// Webhook latency at a steady offered load: from the time each ingest batch was due to be sent (open loop, see
/// <see cref="ScheduledIngest"/>) to the receiver having the event's delivery (fan-out 1), so neither a lagging
/// generator nor a slow 202 hides any delay. From the 202 is shown beside, as it was measured before.
/// </summary>
internal static class LatencyRun
{
    private static readonly TimeSpan ArrivalWait = TimeSpan.FromSeconds(30);

    public static async Task<LatencyResult> RunAsync(string name, BenchApp app, SignatureCheckingReceiver receiver, HotGroup group,
        TradeBatches feed, double eventsPerSecond, BenchOptions options, CpuMeter cpu, CancellationToken ct)
    {
        using var client = app.CreateIngestClient();
        receiver.Reset();
        var ingest = new ScheduledIngest(client, feed, group.Wallets, options.LatencyBatch);
        var start = Stopwatch.GetTimestamp();
        var countFrom = start + (long)(options.Warmup.TotalSeconds * Stopwatch.Frequency);
        var end = start + (long)(options.Latency.TotalSeconds * Stopwatch.Frequency);
        // CPU is read over the counted window: from the end of the warm-up to the last send.
        async Task<Dictionary<string, TimeSpan>> CpuAtCountFromAsync()
        {
            await Task.Delay(Stopwatch.GetElapsedTime(Math.Min(Stopwatch.GetTimestamp(), countFrom), countFrom), ct);
            return cpu.Take();
        }
        var cpuFrom = CpuAtCountFromAsync();
        await ingest.SendAsync(eventsPerSecond, start, end, ct);
        var cpuSeconds = CpuMeter.Seconds(await cpuFrom, cpu.Take());
        await ingest.AnsweredAsync(ct);

        var all = ingest.Accepted.ToList();
        var ledger = await LedgerCount.CountAsync(name, receiver, group, all.SelectMany(b => b.EventIds).ToList(),
            ingest.Failed.Count, ArrivalWait, ct);
        var counted = all.Where(b => b.DueAt >= countFrom).ToList();
        var latency = ScheduledLatency.Of(counted, receiver.TryGetArrival);
        var failed = ingest.Failed.Count(due => due >= countFrom) * (long)ingest.Batch;
        var lag = ScheduledLatency.SendLagMs(counted);
        var ingestMs = ScheduledLatency.IngestMs(counted);
        var countedSeconds = (end - countFrom) / (double)Stopwatch.Frequency;
        return new LatencyResult(
            group.FanOut,
            TargetEventsPerSecond: Math.Round(eventsPerSecond),
            AchievedEventsPerSecond: Math.Round(latency.Events / countedSeconds),
            Events: latency.Events,
            Missing: latency.Missing + failed,
            P50Ms: latency.P50,
            P99Ms: latency.P99,
            MaxMs: latency.Max,
            From202P50Ms: ScheduledLatency.Round(Stats.Percentile(latency.From202Ms, 50)),
            From202P99Ms: ScheduledLatency.Round(Stats.Percentile(latency.From202Ms, 99)),
            From202MaxMs: ScheduledLatency.Round(latency.From202Ms.LastOrDefault()),
            ArrivedBefore202: latency.ArrivedBefore202,
            SendLagP99Ms: ScheduledLatency.Round(Stats.Percentile(lag, 99)),
            SendLagMaxMs: ScheduledLatency.Round(lag.LastOrDefault()),
            IngestP50Ms: ScheduledLatency.Round(Stats.Percentile(ingestMs, 50)),
            IngestP99Ms: ScheduledLatency.Round(Stats.Percentile(ingestMs, 99)),
            Ledger: ledger)
        {
            CpuMsPerEvent = cpuSeconds.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value * 1000 / Math.Max(1, latency.Events), 3)),
            BusyCores = Math.Round(cpuSeconds.Values.Sum() / countedSeconds, 2),
            P99MsBySecond = latency.P99BySecond(countFrom),
        };
    }
}
