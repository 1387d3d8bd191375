using System.Diagnostics;
using Perps.Benchmarks.Infrastructure;
using Perps.Benchmarks.Reporting;
using Perps.Benchmarks.Runs;
using Perps.Benchmarks.Setup;

namespace Perps.Benchmarks;

/// <summary>
/// The full benchmark, in order: the receiver, the app, the customers the load is for, the machine's limit, then
/// for the small tables and again for the large ones: fan-out 1, fan-out 10, latency at <c>--latency-rate</c> and at
/// half the fan-out-1 maximum; the limit again, storage per delivery; then the alerts over WebSocket
/// (<see cref="AlertsSection"/>). <c>--only=webhooks|alerts</c> runs one of the two.
/// </summary>
internal sealed class BenchRunner(BenchOptions options)
{
    private static readonly (string Name, long Wallets, long Webhooks)[] TableSizes =
    [
        ("small", 100, 100),
        ("large", 100_000, 10_000),
    ];

    private static readonly TimeSpan IdleSample = TimeSpan.FromSeconds(5);

    /// <summary>Runs, writes the JSON, prints the tables, the ledger and the targets; 0 unless something was invalid or void.</summary>
    public async Task<int> RunAsync(CancellationToken ct)
    {
        if (options.Only == "filters")
        {
            await using var session = await BenchSession.StartAsync(options, ct);
            return await FilterRun.RunAsync(session, options, ct);
        }
        var result = await MeasureAsync(ct);
        await BenchReport.WriteJsonAsync(result, options.Output);

        Console.WriteLine();
        if (result.Limit is not null)
        {
            Console.WriteLine(BenchReport.Markdown(result));
            Console.WriteLine(BenchReport.CpuMarkdown(result));
        }
        if (result.Alerts is { } alerts)
        {
            Console.WriteLine(AlertsReport.Markdown(alerts));
            if (alerts.IsVoid)
            {
                Console.WriteLine("The alert latency figures are VOID: alerts went missing or connections were closed (see the table).");
                Console.WriteLine();
            }
        }
        if (result.Ledger is { } ledger)
        {
            Console.WriteLine(ledger.Markdown());
        }
        if (result.Storage is { } storage)
        {
            Console.WriteLine(BenchReport.StorageLine(storage));
            Console.WriteLine();
        }
        Console.WriteLine(BenchReport.Targets(result));
        if (result.Pauses.Count > 0)
        {
            Console.WriteLine(BenchReport.PausesLine(result.Pauses));
        }
        if (result.IsVoid)
        {
            Console.WriteLine("THIS RUN IS VOID: deliveries or alerts went missing (see the ledger) or the machine stood still, so its figures stand for nothing.");
        }
        Console.WriteLine($"Written to {options.Output}.");
        // The headline stays the last line; an alerts-only run has none (no webhook pipeline or limit was measured).
        if (result.Ratio is { } ratio)
        {
            Console.WriteLine($"ratio={ratio.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)}");
        }
        return result.InvalidSignatures == 0 && !result.IsVoid ? 0 : 1;
    }

    private async Task<BenchResult> MeasureAsync(CancellationToken ct)
    {
        await using var session = await BenchSession.StartAsync(options, ct);
        var webhooks = options.RunsWebhooks ? await RunWebhooksAsync(session, ct) : null;
        var alerts = options.RunsAlerts
            ? await AlertsSection.RunAsync(session.App, session.Processes, session.Feed, options, session.Cpu, BenchSession.Step, ct)
            : null;

        var result = new BenchResult(
            session.Started,
            Math.Round(session.Clock.Elapsed.TotalMinutes, 2),
            new MachineInfo(Environment.ProcessorCount, session.LoadAtStart, BenchSession.LoadAverage(),
                "Figures are from one run on this machine; other work running at the same time lowers them."),
            new BenchSettings(options.Replicas, options.MaxConcurrency, options.EffectiveLimitConcurrency, options.Sustained.TotalSeconds,
                options.Latency.TotalSeconds, options.Limit.TotalSeconds, options.Warmup.TotalSeconds, options.Batch, options.LatencyBatch,
                options.Feeders, options.Window, options.OtlpExport, options.Only, options.AlertRates, options.AlertClients,
                options.IdleConnections, options.AppHostArgs),
            webhooks?.Idle ?? [],
            webhooks?.IdleAtEnd ?? [],
            webhooks?.Limit,
            webhooks?.LimitAfter,
            webhooks?.Scenarios ?? [],
            alerts,
            session.StartupPeaks.Api,
            session.StartupPeaks.Dispatcher,
            webhooks?.PeakReset ?? false,
            session.Receiver.InvalidSignatures,
            session.Receiver.UnknownWebhooks,
            webhooks is null ? null : DeliveryLedger.Of(session.Ledger),
            webhooks?.Storage,
            Targets: [],
            // The machine's own speed drifts during a run (±30% between runs of the limit alone): the ratio is taken
            // against the mean of the limit measured before and after the pipeline runs.
            Ratio: webhooks is null ? null : Math.Round(webhooks.Scenarios[0].FanOut1.DeliveriesPerSecond / Math.Max(1, webhooks.MeanLimit), 3),
            Pauses: session.Pauses.Seen());
        return result with { Targets = BenchReport.CheckTargets(result) };
    }

    /// <summary>The webhook runs: the machine's limit, then per table size fan-out 1, fan-out 10 and the two latency runs.</summary>
    private async Task<WebhookRuns> RunWebhooksAsync(BenchSession session, CancellationToken ct)
    {
        var (app, receiver, db, cpu) = (session.App, session.Receiver, session.Db, session.Cpu);
        var fanOut1 = await BenchTenants.CreateAsync(app, receiver, 1, ct);
        var fanOut10 = await BenchTenants.CreateAsync(app, receiver, 10, ct);
        var storage = new StorageMeter(app.DatabaseConnectionString, TableFiller.SetupTables);

        await storage.MarkAsync(ct);
        await session.WarmUpAsync([fanOut1, fanOut10], options, ct);
        await storage.NoteWritesAsync(ct);
        var idle = await IdleCpuAsync(cpu, ct);
        Step($"idle CPU, cores: {string.Join(", ", idle.Select(kv => $"{kv.Key} {kv.Value}"))}");

        Step($"limit: bare HttpClient → receiver, {options.EffectiveLimitConcurrency} in flight, {options.Limit.TotalSeconds:0} s …");
        var limit = await LimitRun.RunAsync(receiver, fanOut1, options.EffectiveLimitConcurrency, options.Limit, options.Warmup, cpu, ct);
        Step($"limit: {limit.PostsPerSecond:#,0} POST/s");

        var scenarios = new List<ScenarioResult>();
        var peakReset = true;
        foreach (var (name, wallets, webhooks) in options.SkipLarge ? TableSizes[..1] : TableSizes)
        {
            var fill = Stopwatch.StartNew();
            await db.FillToAsync(wallets, webhooks, ct);
            var (haveWallets, haveWebhooks) = await db.CountAsync(ct);
            Step($"{name} tables: {haveWallets:#,0} wallets, {haveWebhooks:#,0} webhooks (filled in {fill.Elapsed.TotalSeconds:0.0} s)");
            peakReset &= session.Processes.Where(p => p.Role is "api" or "dispatcher").All(ProcessProbe.ResetPeak);
            await storage.MarkAsync(ct);

            var one = await ThroughputRun.RunAsync($"{name}, fan-out 1", app, receiver, db, fanOut1, session.Feed, options, cpu, ct);
            session.Ledger.Add(one.Ledger);
            Step($"{name}, fan-out 1: {one.DeliveriesPerSecond:#,0} deliveries/s (missing {one.Missing}, duplicates {one.Duplicates})");
            var ten = await ThroughputRun.RunAsync($"{name}, fan-out 10", app, receiver, db, fanOut10, session.Feed, options, cpu, ct);
            session.Ledger.Add(ten.Ledger);
            Step($"{name}, fan-out 10: {ten.DeliveriesPerSecond:#,0} deliveries/s (missing {ten.Missing}, duplicates {ten.Duplicates})");
            // The half load is half the maximum of the requests it sends: batches of LatencyBatch cost the API and the
            // stream five times the requests that batches of 50 do, and half the larger batches' maximum overloads them.
            var oneInLatencyBatches = await ThroughputRun.RunAsync($"{name}, fan-out 1, batches of {options.LatencyBatch}", app, receiver, db, fanOut1,
                session.Feed, options.InLatencyBatches, cpu, ct);
            session.Ledger.Add(oneInLatencyBatches.Ledger);
            Step($"{name}, fan-out 1 in batches of {options.LatencyBatch}: {oneInLatencyBatches.DeliveriesPerSecond:#,0} deliveries/s " +
                $"(missing {oneInLatencyBatches.Missing}, duplicates {oneInLatencyBatches.Duplicates})");
            var atRate = options.LatencyRate > 0 ? await LatencyAsync(session, $"{name}, latency at {options.LatencyRate:#,0}/s", fanOut1, options.LatencyRate, ct) : null;
            var halfLoad = await LatencyAsync(session, $"{name}, latency at half load", fanOut1, Math.Max(1, oneInLatencyBatches.DeliveriesPerSecond / 2), ct);
            await storage.NoteWritesAsync(ct);

            var (apiPeak, dispatcherPeak) = session.Peaks();
            scenarios.Add(new ScenarioResult(name, haveWallets, haveWebhooks, one, ten, oneInLatencyBatches, atRate, halfLoad, apiPeak, dispatcherPeak));
        }

        var stored = await storage.MeasureAsync(ct);
        Step(BenchReport.StorageLine(stored));

        Step($"limit again, after the pipeline runs, {options.Limit.TotalSeconds:0} s …");
        var limitAfter = await LimitRun.RunAsync(receiver, fanOut1, options.EffectiveLimitConcurrency, options.Limit, options.Warmup, cpu, ct);
        Step($"limit after: {limitAfter.PostsPerSecond:#,0} POST/s (before: {limit.PostsPerSecond:#,0})");

        var idleAtEnd = await IdleCpuAsync(cpu, ct);
        Step($"idle CPU at the end, cores: {string.Join(", ", idleAtEnd.Select(kv => $"{kv.Key} {kv.Value}"))}");
        return new WebhookRuns(idle, idleAtEnd, limit, limitAfter, scenarios, peakReset, stored);
    }

    private async Task<LatencyResult> LatencyAsync(BenchSession session, string name, HotGroup group, double eventsPerSecond, CancellationToken ct)
    {
        var run = await LatencyRun.RunAsync(name, session.App, session.Receiver, group, session.Feed, eventsPerSecond, options, session.Cpu, ct);
        session.Ledger.Add(run.Ledger);
        Step($"{name}, {run.AchievedEventsPerSecond:#,0} events/s: due → received p50 {run.P50Ms} ms, p99 {run.P99Ms} ms, max {run.MaxMs} ms; " +
            $"202 → received p99 {run.From202P99Ms} ms; generator lag p99 {run.SendLagP99Ms} ms (missing {run.Missing}); " +
            $"{run.BusyCores} cores busy, CPU ms/event {string.Join(", ", run.CpuMsPerEvent.Select(kv => $"{kv.Key} {kv.Value}"))}; " +
            $"p99 by second {string.Join(", ", run.P99MsBySecond)} ms");
        return run;
    }

    /// <summary>CPU used per role while nothing is sent, in cores (1 = one core busy all the time).</summary>
    private static async Task<Dictionary<string, double>> IdleCpuAsync(CpuMeter cpu, CancellationToken ct)
    {
        var from = cpu.Take();
        await Task.Delay(IdleSample, ct);
        return CpuMeter.Seconds(from, cpu.Take()).ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value / IdleSample.TotalSeconds, 3));
    }

    private static void Step(string message) => BenchSession.Step(message);
}

internal sealed record WebhookRuns(
    Dictionary<string, double> Idle, Dictionary<string, double> IdleAtEnd, LimitResult Limit, LimitResult LimitAfter,
    List<ScenarioResult> Scenarios, bool PeakReset, StorageResult Storage)
{
    public double MeanLimit => (Limit.PostsPerSecond + LimitAfter.PostsPerSecond) / 2;
}
