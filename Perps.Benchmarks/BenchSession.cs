using System.Diagnostics;
using Perps.Benchmarks.Infrastructure;
using Perps.Benchmarks.Reporting;
using Perps.Benchmarks.Runs;
using Perps.Benchmarks.Setup;

namespace Perps.Benchmarks;

/// <summary>
/// What every kind of run starts with: the signature-checking receiver, the app (Redis, Postgres, the API and the
/// dispatcher replicas), its processes found in /proc with a CPU meter over them, the ledger its runs add to, and a
/// watch for the moments the machine stood still (<see cref="PauseWatch"/>).
/// </summary>
internal sealed class BenchSession : IAsyncDisposable
{
    private static readonly TimeSpan WarmupRun = TimeSpan.FromSeconds(6);

    private BenchSession(SignatureCheckingReceiver receiver, BenchApp app, IReadOnlyList<AppProcess> processes, string loadAtStart,
        DateTimeOffset started, Stopwatch clock)
    {
        Receiver = receiver;
        App = app;
        Processes = processes;
        Cpu = new CpuMeter(processes);
        Db = new TableFiller(app, receiver);
        LoadAtStart = loadAtStart;
        Started = started;
        Clock = clock;
        StartupPeaks = Peaks();
    }

    public SignatureCheckingReceiver Receiver { get; }

    public BenchApp App { get; }

    public IReadOnlyList<AppProcess> Processes { get; }

    public CpuMeter Cpu { get; }

    public TableFiller Db { get; }

    public TradeBatches Feed { get; } = new();

    /// <summary>The moments nothing ran, from the app being up on: any of them makes the session's figures void.</summary>
    public PauseWatch Pauses { get; } = new();

    /// <summary>Every run's account of its deliveries, the warm-up's included.</summary>
    public List<LedgerLine> Ledger { get; } = [];

    public string LoadAtStart { get; }

    public DateTimeOffset Started { get; }

    public Stopwatch Clock { get; }

    /// <summary>Peak memory of the API and the largest dispatcher, MB, once the app was up.</summary>
    public (double Api, double Dispatcher) StartupPeaks { get; }

    public static async Task<BenchSession> StartAsync(BenchOptions options, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var loadAtStart = LoadAverage();
        var receiver = new SignatureCheckingReceiver();
        try
        {
            await receiver.StartAsync();
            Step($"receiver on {receiver.BaseUrl}; starting the app (Redis, Postgres, API, {options.Replicas} dispatchers) …");
            var app = await BenchApp.StartAsync(options.AppHostArgs, options.OtlpExport, options.LogFolder, ct);
            var processes = ProcessProbe.FindDescendants();
            Step($"app up in {clock.Elapsed.TotalSeconds:0} s; its logs in {options.LogFolder}/; database {app.DatabaseConnectionString}; processes: {string.Join(", ", processes.Select(p => $"{p.Role} {p.Pid}"))}");
            if (processes.Count(p => p.Role == "dispatcher") != options.Replicas || processes.All(p => p.Role != "api"))
            {
                Console.Error.WriteLine("warning: did not find the API and every dispatcher replica in /proc; memory and CPU figures will be incomplete.");
            }
            return new BenchSession(receiver, app, processes, loadAtStart, started, clock);
        }
        catch
        {
            await receiver.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Unmeasured throughput runs, one per group (6 s each unless <paramref name="length"/> says otherwise): the
    /// services' code is compiled and optimised (tiered JIT) and the pools fill before anything counts. Their
    /// deliveries go in the ledger all the same.
    /// </summary>
    public async Task WarmUpAsync(IReadOnlyList<HotGroup> groups, BenchOptions options, CancellationToken ct, TimeSpan? length = null)
    {
        var warmup = options with { Sustained = length ?? WarmupRun, Warmup = TimeSpan.FromSeconds(1) };
        var figures = new List<string>();
        foreach (var group in groups)
        {
            var run = await ThroughputRun.RunAsync($"warm-up, fan-out {group.FanOut}", App, Receiver, Db, group, Feed, warmup, Cpu, ct);
            Ledger.Add(run.Ledger);
            figures.Add($"fan-out {group.FanOut} {run.DeliveriesPerSecond:#,0}");
        }
        Step($"warm-up (not counted): {string.Join(", ", figures)} deliveries/s");
    }

    /// <summary>Peak resident memory in MB: the API, and the largest of the dispatcher replicas.</summary>
    public (double Api, double Dispatcher) Peaks()
    {
        double Max(string role) => Math.Round(Processes.Where(p => p.Role == role).Select(ProcessProbe.PeakBytes).DefaultIfEmpty(0).Max() / 1048576.0);
        return (Max("api"), Max("dispatcher"));
    }

    public static string LoadAverage()
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

    public static void Step(string message) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    public async ValueTask DisposeAsync()
    {
        Pauses.Dispose();
        await App.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}
