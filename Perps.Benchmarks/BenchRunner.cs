using System.Diagnostics;
using Perps.Benchmarks.Infrastructure;
using Perps.Benchmarks.Reporting;
using Perps.Benchmarks.Runs;
using Perps.Benchmarks.Setup;

namespace Perps.Benchmarks;

/// <summary>
/// One benchmark run, in order: the receiver, the app, the customers the load is for, the machine's limit, then
/// for the small tables and again for the large ones: fan-out 1, fan-out 10, latency at half the fan-out-1 maximum;
/// then the alerts over WebSocket (<see cref="AlertsSection"/>). <c>--only=webhooks|alerts</c> runs one of the two.
/// </summary>
internal sealed class BenchRunner(BenchOptions options)
{
    private static readonly (string Name, long Wallets, long Webhooks)[] TableSizes =
    [
        ("small", 100, 100),
        ("large", 100_000, 10_000),
    ];

    private static readonly TimeSpan IdleSample = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan WarmupRun = TimeSpan.FromSeconds(6);

    public async Task<BenchResult> RunAsync(CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var loadAtStart = LoadAverage();

        await using var receiver = new SignatureCheckingReceiver();
        await receiver.StartAsync();
        Step($"receiver on {receiver.BaseUrl}; starting the app (Redis, Postgres, API, {options.Replicas} dispatchers) …");
        await using var app = await BenchApp.StartAsync(options.AppHostArgs, options.OtlpExport, ct);
        var processes = ProcessProbe.FindDescendants();
        Step($"app up in {clock.Elapsed.TotalSeconds:0} s; database {app.DatabaseConnectionString}; processes: {string.Join(", ", processes.Select(p => $"{p.Role} {p.Pid}"))}");
        if (processes.Count(p => p.Role == "dispatcher") != options.Replicas || processes.All(p => p.Role != "api"))
        {
            Console.Error.WriteLine("warning: did not find the API and every dispatcher replica in /proc; memory and CPU figures will be incomplete.");
        }
        var cpu = new CpuMeter(processes);
        var (startupApi, startupDispatcher) = Peaks(processes);

        var webhooks = options.RunsWebhooks ? await RunWebhooksAsync(app, receiver, processes, cpu, ct) : null;
        var alerts = options.RunsAlerts ? await AlertsSection.RunAsync(app, processes, new TradeFeed(), options, cpu, Step, ct) : null;

        var result = new BenchResult(
            started,
            Math.Round(clock.Elapsed.TotalMinutes, 2),
            new MachineInfo(Environment.ProcessorCount, loadAtStart, LoadAverage(),
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
            startupApi,
            startupDispatcher,
            webhooks?.PeakReset ?? false,
            receiver.InvalidSignatures,
            receiver.UnknownWebhooks,
            Targets: [],
            // The machine's own speed drifts during a run (±30% between runs of the limit alone): the ratio is taken
            // against the mean of the limit measured before and after the pipeline runs.
            Ratio: webhooks is null ? null : Math.Round(webhooks.Scenarios[0].FanOut1.DeliveriesPerSecond / Math.Max(1, webhooks.MeanLimit), 3));
        return result with { Targets = BenchReport.CheckTargets(result) };
    }

    /// <summary>The webhook runs: the machine's limit, then per table size fan-out 1, fan-out 10 and latency at half load.</summary>
    private async Task<WebhookRuns> RunWebhooksAsync(BenchApp app, SignatureCheckingReceiver receiver, IReadOnlyList<AppProcess> processes,
        CpuMeter cpu, CancellationToken ct)
    {
        var fanOut1 = await BenchTenants.CreateAsync(app, receiver, 1, ct);
        var fanOut10 = await BenchTenants.CreateAsync(app, receiver, 10, ct);
        var db = new TableFiller(app, receiver);
        var feed = new TradeFeed();

        // Unmeasured: the services' code is compiled and optimised (tiered JIT) and the pools fill before anything counts.
        var warmup = options with { Sustained = WarmupRun, Warmup = TimeSpan.FromSeconds(1) };
        var warm1 = await ThroughputRun.RunAsync(app, receiver, db, fanOut1, feed, warmup, cpu, ct);
        var warm10 = await ThroughputRun.RunAsync(app, receiver, db, fanOut10, feed, warmup, cpu, ct);
        Step($"warm-up (not counted): fan-out 1 {warm1.DeliveriesPerSecond:#,0}, fan-out 10 {warm10.DeliveriesPerSecond:#,0} deliveries/s");
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
            peakReset &= processes.Where(p => p.Role is "api" or "dispatcher").All(ProcessProbe.ResetPeak);

            var one = await ThroughputRun.RunAsync(app, receiver, db, fanOut1, feed, options, cpu, ct);
            Step($"{name}, fan-out 1: {one.DeliveriesPerSecond:#,0} deliveries/s (missing {one.Missing}, duplicates {one.Duplicates})");
            var ten = await ThroughputRun.RunAsync(app, receiver, db, fanOut10, feed, options, cpu, ct);
            Step($"{name}, fan-out 10: {ten.DeliveriesPerSecond:#,0} deliveries/s (missing {ten.Missing}, duplicates {ten.Duplicates})");
            var latency = await LatencyRun.RunAsync(app, receiver, fanOut1, feed,
                options.LatencyRate > 0 ? options.LatencyRate : Math.Max(1, one.DeliveriesPerSecond / 2), options, ct);
            Step($"{name}, latency at {latency.AchievedEventsPerSecond:#,0} events/s: p50 {latency.P50Ms} ms, p99 {latency.P99Ms} ms, max {latency.MaxMs} ms (missing {latency.Missing})");

            var (apiPeak, dispatcherPeak) = Peaks(processes);
            scenarios.Add(new ScenarioResult(name, haveWallets, haveWebhooks, one, ten, latency, apiPeak, dispatcherPeak));
        }

        Step($"limit again, after the pipeline runs, {options.Limit.TotalSeconds:0} s …");
        var limitAfter = await LimitRun.RunAsync(receiver, fanOut1, options.EffectiveLimitConcurrency, options.Limit, options.Warmup, cpu, ct);
        Step($"limit after: {limitAfter.PostsPerSecond:#,0} POST/s (before: {limit.PostsPerSecond:#,0})");

        var idleAtEnd = await IdleCpuAsync(cpu, ct);
        Step($"idle CPU at the end, cores: {string.Join(", ", idleAtEnd.Select(kv => $"{kv.Key} {kv.Value}"))}");
        return new WebhookRuns(idle, idleAtEnd, limit, limitAfter, scenarios, peakReset);
    }

    /// <summary>CPU used per role while nothing is sent, in cores (1 = one core busy all the time).</summary>
    private static async Task<Dictionary<string, double>> IdleCpuAsync(CpuMeter cpu, CancellationToken ct)
    {
        var from = cpu.Take();
        await Task.Delay(IdleSample, ct);
        return CpuMeter.Seconds(from, cpu.Take()).ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value / IdleSample.TotalSeconds, 3));
    }

    /// <summary>Peak resident memory in MB: the API, and the largest of the dispatcher replicas.</summary>
    private static (double Api, double Dispatcher) Peaks(IReadOnlyList<AppProcess> processes)
    {
        double Max(string role) => Math.Round(processes.Where(p => p.Role == role).Select(ProcessProbe.PeakBytes).DefaultIfEmpty(0).Max() / 1048576.0);
        return (Max("api"), Max("dispatcher"));
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static void Step(string message) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}

internal sealed record WebhookRuns(
    Dictionary<string, double> Idle, Dictionary<string, double> IdleAtEnd, LimitResult Limit, LimitResult LimitAfter,
    List<ScenarioResult> Scenarios, bool PeakReset)
{
    public double MeanLimit => (Limit.PostsPerSecond + LimitAfter.PostsPerSecond) / 2;
}
