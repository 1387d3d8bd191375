using System.Collections.Concurrent;
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
/// Latency of the alert channel: from when an ingest request was due to be sent (open loop: batches are scheduled
/// at a fixed rate whether or not earlier ones are done, so a generator that falls behind shows as delay instead of
/// hiding it) to the alert frame read by the client whose wallet traded. Also from the request's 202, as the webhook
/// latency is measured. Events go round the clients' wallets, so every client gets its share.
/// </summary>
internal static class AlertLatencyRun
{
    private static readonly TimeSpan ArrivalWait = TimeSpan.FromSeconds(15);

    public static async Task<AlertLatencyResult> RunAsync(BenchApp app, AlertArrivals arrivals, IReadOnlyList<AlertClient> clients,
        IReadOnlyList<string> wallets, TradeFeed feed, double eventsPerSecond, BenchOptions options, CpuMeter cpu, CancellationToken ct)
    {
        using var ingest = app.CreateClient("X-Ingest-Key", BenchApp.IngestKey);
        arrivals.Reset();
        var batch = options.LatencyBatch;
        var interval = batch / eventsPerSecond * Stopwatch.Frequency;
        var start = Stopwatch.GetTimestamp();
        var countFrom = start + (long)(options.Warmup.TotalSeconds * Stopwatch.Frequency);
        var end = start + (long)(options.Latency.TotalSeconds * Stopwatch.Frequency);
        var accepted = new ConcurrentBag<(string[] Ids, long DueAt, long SentAt, long AcceptedAt)>();
        var sends = new List<Task>();
        long failures = 0;

        async Task SendAsync(byte[] body, string[] ids, long dueAt)
        {
            var sentAt = Stopwatch.GetTimestamp();
            if (await ThroughputRun.IngestAsync(ingest, body, ct))
            {
                accepted.Add((ids, dueAt, sentAt, Stopwatch.GetTimestamp()));
            }
            else if (dueAt >= countFrom)
            {
                Interlocked.Increment(ref failures);
            }
        }

        Dictionary<string, TimeSpan>? cpuFrom = null;
        await using var transactions = TransactionAgeProbe.Start(app);
        var next = (double)start;
        while (next < end)
        {
            var now = Stopwatch.GetTimestamp();
            if (cpuFrom is null && now >= countFrom)
            {
                cpuFrom = cpu.Take();
            }
            while (next <= now && next < end)
            {
                var (body, ids) = feed.NextBatch(wallets, batch);
                sends.Add(SendAsync(body, ids, (long)next));
                next += interval;
            }
            var wait = (next - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
            if (wait >= 1)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait), ct);
            }
            else
            {
                await Task.Yield();
            }
        }
        var cpuSeconds = CpuMeter.Seconds(cpuFrom ?? cpu.Take(), cpu.Take());
        await Task.WhenAll(sends);
        var (transactionAges, oldestTransaction) = await transactions.StopAsync();

        var counted = accepted.Where(a => a.DueAt >= countFrom).ToList();
        var eventIds = counted.SelectMany(a => a.Ids).ToList();
        await Stats.WaitUntilAsync(() => eventIds.All(id => arrivals.TryGet(id, out _)), ArrivalWait, ct);

        var fromDue = new List<double>();
        var bySecond = new SortedDictionary<long, List<double>>();
        var from202 = new List<double>();
        long early = 0, missing = 0;
        foreach (var (ids, dueAt, _, acceptedAt) in counted)
        {
            foreach (var id in ids)
            {
                if (!arrivals.TryGet(id, out var arrived))
                {
                    missing++;
                    continue;
                }
                var ms = Stats.Milliseconds(acceptedAt, arrived);
                early += ms < 0 ? 1 : 0;
                from202.Add(Math.Max(0, ms));
                fromDue.Add(Stats.Milliseconds(dueAt, arrived));
                var second = (dueAt - countFrom) / Stopwatch.Frequency;
                (bySecond.TryGetValue(second, out var list) ? list : bySecond[second] = []).Add(fromDue[^1]);
            }
        }
        fromDue.Sort();
        from202.Sort();
        var lag = counted.Select(a => Stats.Milliseconds(a.DueAt, a.SentAt)).Order().ToList();
        var ingestMs = counted.Select(a => Stats.Milliseconds(a.SentAt, a.AcceptedAt)).Order().ToList();
        var countedSeconds = (end - countFrom) / (double)Stopwatch.Frequency;
        return new AlertLatencyResult(
            clients.Count,
            TargetEventsPerSecond: Math.Round(eventsPerSecond),
            AchievedEventsPerSecond: Math.Round(eventIds.Count / countedSeconds),
            Sent: eventIds.Count + failures * batch,
            Received: eventIds.Count - missing,
            Missing: missing + failures * batch,
            Duplicates: arrivals.Duplicates,
            IngestFailures: failures,
            P50Ms: Round(Stats.Percentile(fromDue, 50)),
            P99Ms: Round(Stats.Percentile(fromDue, 99)),
            MaxMs: Round(fromDue.LastOrDefault()),
            From202P50Ms: Round(Stats.Percentile(from202, 50)),
            From202P99Ms: Round(Stats.Percentile(from202, 99)),
            From202MaxMs: Round(from202.LastOrDefault()),
            ArrivedBefore202: early,
            SendLagP99Ms: Round(Stats.Percentile(lag, 99)),
            SendLagMaxMs: Round(lag.LastOrDefault()),
            IngestP50Ms: Round(Stats.Percentile(ingestMs, 50)),
            IngestP99Ms: Round(Stats.Percentile(ingestMs, 99)),
            CpuCores: cpuSeconds.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value / countedSeconds, 2)),
            P50MsBySecond: bySecond.Values.Select(l => Round(Stats.Percentile([.. l.Order()], 50))).ToList(),
            OldestTransactionP99Ms: Round(Stats.Percentile(transactionAges, 99)),
            OldestTransaction: oldestTransaction,
            ClosedConnections: clients.Select(c => c.ClosedBecause).OfType<string>().ToList());
    }

    private static double Round(double ms) => Math.Round(ms, 2);
}
