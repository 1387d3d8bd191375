using System.Diagnostics;
using Perps.Benchmarks.Infrastructure;

namespace Perps.Benchmarks.Runs;

internal sealed record AlertLatencyResult(
    int Clients,
    double TargetEventsPerSecond,
    double AchievedEventsPerSecond,
    long Sent,
    long Received,
    long Missing,
    long Duplicates,
    long IngestFailures,
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
    Dictionary<string, double> CpuCores,
    IReadOnlyList<double> P50MsBySecond,
    double OldestTransactionP99Ms,
    OldTransaction? OldestTransaction,
    IReadOnlyList<string> ClosedConnections)
{
    /// <summary>A run that lost an alert measured nothing: its latencies leave the lost ones out.</summary>
    public bool IsVoid => Missing > 0 || IngestFailures > 0 || ClosedConnections.Count > 0;
}

/// <summary>
/// Latency of the alert channel: from when an ingest request was due to be sent (open loop, see
/// <see cref="ScheduledIngest"/>: a generator that falls behind shows as delay instead of hiding it) to the alert
/// frame read by the client whose wallet traded, and from the request's 202. Events go round the clients' wallets,
/// so every client gets its share.
/// </summary>
internal static class AlertLatencyRun
{
    private static readonly TimeSpan ArrivalWait = TimeSpan.FromSeconds(15);

    public static async Task<AlertLatencyResult> RunAsync(BenchApp app, AlertArrivals arrivals, IReadOnlyList<AlertClient> clients,
        IReadOnlyList<string> wallets, TradeBatches feed, double eventsPerSecond, BenchOptions options, CpuMeter cpu, CancellationToken ct)
    {
        using var client = app.CreateIngestClient();
        arrivals.Reset();
        var ingest = new ScheduledIngest(client, feed, wallets, options.LatencyBatch);
        var start = Stopwatch.GetTimestamp();
        var countFrom = start + (long)(options.Warmup.TotalSeconds * Stopwatch.Frequency);
        var end = start + (long)(options.Latency.TotalSeconds * Stopwatch.Frequency);

        await using var transactions = TransactionAgeProbe.Start(app);
        var cpuFrom = Task.Run(async () =>
        {
            await Task.Delay(options.Warmup, ct);
            return cpu.Take();
        }, ct);
        await ingest.SendAsync(eventsPerSecond, start, end, ct);
        var cpuSeconds = CpuMeter.Seconds(await cpuFrom, cpu.Take());
        await ingest.AnsweredAsync(ct);
        var (transactionAges, oldestTransaction) = await transactions.StopAsync();

        var counted = ingest.Accepted.Where(b => b.DueAt >= countFrom).ToList();
        var eventIds = counted.SelectMany(b => b.EventIds).ToList();
        await ScheduledLatency.WaitForArrivalsAsync(eventIds, arrivals.TryGet, ArrivalWait, ct);

        var latency = ScheduledLatency.Of(counted, arrivals.TryGet);
        var failures = ingest.Failed.Count(due => due >= countFrom);
        var lag = ScheduledLatency.SendLagMs(counted);
        var ingestMs = ScheduledLatency.IngestMs(counted);
        var countedSeconds = (end - countFrom) / (double)Stopwatch.Frequency;
        return new AlertLatencyResult(
            clients.Count,
            TargetEventsPerSecond: Math.Round(eventsPerSecond),
            AchievedEventsPerSecond: Math.Round(eventIds.Count / countedSeconds),
            Sent: eventIds.Count + failures * ingest.Batch,
            Received: eventIds.Count - latency.Missing,
            Missing: latency.Missing + failures * ingest.Batch,
            Duplicates: arrivals.Duplicates,
            IngestFailures: failures,
            P50Ms: latency.P50,
            P99Ms: latency.P99,
            MaxMs: latency.Max,
            From202P50Ms: Round(Stats.Percentile(latency.From202Ms, 50)),
            From202P99Ms: Round(Stats.Percentile(latency.From202Ms, 99)),
            From202MaxMs: Round(latency.From202Ms.LastOrDefault()),
            ArrivedBefore202: latency.ArrivedBefore202,
            SendLagP99Ms: Round(Stats.Percentile(lag, 99)),
            SendLagMaxMs: Round(lag.LastOrDefault()),
            IngestP50Ms: Round(Stats.Percentile(ingestMs, 50)),
            IngestP99Ms: Round(Stats.Percentile(ingestMs, 99)),
            CpuCores: cpuSeconds.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value / countedSeconds, 2)),
            P50MsBySecond: latency.P50BySecond(countFrom),
            OldestTransactionP99Ms: Round(Stats.Percentile(transactionAges, 99)),
            OldestTransaction: oldestTransaction,
            ClosedConnections: clients.Select(c => c.ClosedBecause).OfType<string>().ToList());
    }

    private static double Round(double ms) => ScheduledLatency.Round(ms);
}
