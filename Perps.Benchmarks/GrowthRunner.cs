using System.Diagnostics;
using Perps.Benchmarks.Infrastructure;
using Perps.Benchmarks.Reporting;
using Perps.Benchmarks.Runs;
using Perps.Benchmarks.Setup;

namespace Perps.Benchmarks;

/// <summary>
/// <c>./bench.sh --growth</c>: fan-out 1 throughput and latency on a database without history, then the same with
/// <c>--growth-rows</c> finished deliveries (their events and attempts too) loaded straight into Postgres, at the
/// same offered load: cost must stay flat as the history grows. Throughput is measured in the latency runs' requests
/// (<see cref="BenchOptions.LatencyBatch"/> events each), so the latency runs' load, half of it, is half of what
/// their own requests sustain, as in the full run and the soak.
/// </summary>
internal sealed class GrowthRunner(BenchOptions options)
{
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(30);

    public async Task<int> RunAsync(CancellationToken ct)
    {
        await using var session = await BenchSession.StartAsync(options, ct);
        var group = await BenchTenants.CreateAsync(session.App, session.Receiver, 1, ct);
        await session.Db.FillToAsync(100, 100, ct); // the other users, whose webhooks the history goes to
        var storage = new StorageMeter(session.App.DatabaseConnectionString, TableFiller.SetupTables);
        await storage.MarkAsync(ct);
        // As long as a measured run: after the 6 s warm-up of the full run, the first measured half read up to 1.6×
        // slower than the second in four growth runs, the history's half always the faster, which could hide what it costs.
        await session.WarmUpAsync([group], options, ct, options.Sustained);

        var empty = await MeasureAsync(session, "without history", group, options.Rate, storage, ct);
        var fill = Stopwatch.StartNew();
        var lastProgress = TimeSpan.Zero;
        BenchSession.Step($"loading {options.GrowthRows:#,0} deliveries of history (events, deliveries, attempts) …");
        await session.Db.FillHistoryAsync(options.GrowthRows, done =>
        {
            if (fill.Elapsed - lastProgress >= ProgressEvery || done == options.GrowthRows)
            {
                lastProgress = fill.Elapsed;
                BenchSession.Step($"history: {done:#,0} of {options.GrowthRows:#,0} rows in {fill.Elapsed.TotalSeconds:0} s{(done == options.GrowthRows ? "; vacuuming and analyzing …" : "")}");
            }
        }, ct);
        var fillSeconds = fill.Elapsed.TotalSeconds;
        BenchSession.Step($"history loaded, vacuumed and analyzed in {fillSeconds:0} s");
        var full = await MeasureAsync(session, $"with {options.GrowthRows:#,0} deliveries of history", group, empty.Latency.TargetEventsPerSecond, storage, ct);

        var result = new GrowthResult(
            session.Started,
            Math.Round(session.Clock.Elapsed.TotalMinutes, 2),
            new MachineInfo(Environment.ProcessorCount, session.LoadAtStart, BenchSession.LoadAverage(),
                "Figures are from one run on this machine; other work running at the same time changes them."),
            options.GrowthRows,
            Math.Round(fillSeconds, 1),
            empty,
            full,
            new RunVerdict("Growth", DeliveryLedger.Of(session.Ledger), session.Pauses.Seen(), session.Receiver.InvalidSignatures, session.Receiver.UnknownWebhooks,
                GrowthReport.CheckTargets(empty, full)));
        await BenchReport.WriteJsonAsync(result, options.Output);

        Console.WriteLine();
        Console.WriteLine(GrowthReport.Markdown(result));
        Console.WriteLine(result.Verdict.Text(full.Storage, options.Output));
        return result.Verdict.Passed ? 0 : 1;
    }

    /// <summary>
    /// Sustained fan-out 1 in the latency runs' requests, then latency at <paramref name="rate"/> (0: half the maximum
    /// just measured), then storage per delivery as it stands.
    /// </summary>
    private async Task<GrowthHalf> MeasureAsync(BenchSession session, string name, HotGroup group, double rate, StorageMeter storage, CancellationToken ct)
    {
        var one = await ThroughputRun.RunAsync($"{name}, fan-out 1 in batches of {options.LatencyBatch}", session.App, session.Receiver, session.Db, group,
            session.Feed, options.InLatencyBatches, session.Cpu, ct);
        session.Ledger.Add(one.Ledger);
        BenchSession.Step($"{name}, fan-out 1 in batches of {options.LatencyBatch}: {one.DeliveriesPerSecond:#,0} deliveries/s (missing {one.Missing}, duplicates {one.Duplicates})");
        var eventsPerSecond = rate > 0 ? rate : Math.Max(1, one.DeliveriesPerSecond / 2);
        var latency = await LatencyRun.RunAsync($"{name}, latency", session.App, session.Receiver, group, session.Feed, eventsPerSecond, options, session.Cpu, ct);
        session.Ledger.Add(latency.Ledger);
        BenchSession.Step($"{name}, latency at {latency.AchievedEventsPerSecond:#,0} events/s: due → received p50 {latency.P50Ms} ms, " +
            $"p99 {latency.P99Ms} ms, max {latency.MaxMs} ms (missing {latency.Missing})");
        await storage.NoteWritesAsync(ct);
        var stored = await storage.MeasureAsync(ct);
        BenchSession.Step(BenchReport.StorageLine(stored));
        return new GrowthHalf(name, one, latency, stored);
    }
}
