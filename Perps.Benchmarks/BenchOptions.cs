using System.Globalization;

namespace Perps.Benchmarks;

/// <summary>What one invocation measures: the full benchmark, or one of the long runs kept out of CI.</summary>
internal enum BenchMode
{
    /// <summary>The limit, throughput, latency and alert runs (the default).</summary>
    Full,

    /// <summary>Fan-out 1 throughput and latency on an empty database, then again with <c>--growth-rows</c> deliveries of history.</summary>
    Growth,

    /// <summary>Half load for <c>--minutes</c>, a line a minute, then whether memory, latency and backlog held steady.</summary>
    Soak,
}

/// <summary>
/// The benchmark's own settings (<c>--seconds=20</c> …); every other argument is passed to the AppHost unchanged
/// (<c>--Dispatcher:Replicas=3</c>, <c>--Delivery:MaxConcurrency=128</c>).
/// </summary>
internal sealed record BenchOptions
{
    /// <summary>Length of each sustained-throughput run (fan-out 1, fan-out 10), per table size.</summary>
    public TimeSpan Sustained { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Length of the bare HttpClient run that measures the machine's limit.</summary>
    public TimeSpan Limit { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Length of each latency run at half the sustained maximum.</summary>
    public TimeSpan Latency { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The start of every run that is not counted (connections, JIT, caches).</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The fixed offered load of the first latency run per table size, events/s (the second runs at half the fan-out-1
    /// maximum just measured); 0 skips it.
    /// </summary>
    public double LatencyRate { get; init; } = 500;

    public BenchMode Mode { get; init; } = BenchMode.Full;

    /// <summary>Delivery rows (each with its event and one attempt) already present in the growth run's second half.</summary>
    public long GrowthRows { get; init; } = 10_000_000;

    /// <summary>Length of the soak.</summary>
    public TimeSpan SoakLength { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// The offered load of the soak and of the growth run's latency runs, events/s; 0 (the default) means half the
    /// fan-out-1 maximum, measured first.
    /// </summary>
    public double Rate { get; init; }

    /// <summary>Events per ingest request in the throughput runs.</summary>
    public int Batch { get; init; } = 50;

    /// <summary>Events per ingest request in the latency runs (smaller: a batch's first event waits for its last).</summary>
    public int LatencyBatch { get; init; } = 10;

    /// <summary>
    /// These options with the throughput runs sending the latency runs' batches, as many events in flight as before
    /// (more feeders: four feeders of 10 events cap the run near 4,000 events/s by themselves): the maximum that the
    /// half load is half of.
    /// </summary>
    public BenchOptions InLatencyBatches => this with { Batch = LatencyBatch, Feeders = Math.Max(Feeders, Feeders * Batch / LatencyBatch) };

    /// <summary>Ingest requests in flight at once in the throughput runs.</summary>
    public int Feeders { get; init; } = 4;

    /// <summary>Deliveries ingested but not yet received, at most: the throughput runs push at the pipeline's pace without an ever-growing backlog.</summary>
    public int Window { get; init; } = 4000;

    /// <summary>Requests in flight in the limit run; 0 means what the pipeline may have: replicas × Delivery:MaxConcurrency.</summary>
    public int LimitConcurrency { get; init; }

    /// <summary>
    /// Whether the services export telemetry as the testing builder configures them (OTLP to localhost:4317, traces
    /// always sampled). No collector listens there in a benchmark run; <c>--no-otlp</c> removes the exporter to show its cost.
    /// </summary>
    public bool OtlpExport { get; init; } = true;

    /// <summary>Skip the 100,000-wallet / 10,000-webhook repeat (a quicker look while developing).</summary>
    public bool SkipLarge { get; init; }

    /// <summary>Which sections run: both (null, the default), only "webhooks", only "alerts", or only "filters" (fan-out 10 with and without a trade filter).</summary>
    public string? Only { get; init; }

    /// <summary>Offered loads of the alert latency runs, events/s, each spread over every client's wallets.</summary>
    public IReadOnlyList<double> AlertRates { get; init; } = [500, 2000];

    /// <summary>Connected clients in the alert latency runs, each its own user (API key) with its own wallets.</summary>
    public int AlertClients { get; init; } = 100;

    /// <summary>Idle alert connections whose memory is measured (5 per user, the default per-key limit).</summary>
    public int IdleConnections { get; init; } = 1000;

    public bool RunsWebhooks => Only is null or "webhooks";

    public bool RunsAlerts => Only is null or "alerts";

    /// <summary>Where the figures are written; by default bench.json, growth.json or soak.json in bench-results/.</summary>
    public string? OutputOption { get; init; }

    public string Output => OutputOption ?? Path.Combine("bench-results", Mode switch
    {
        BenchMode.Growth => "growth.json",
        BenchMode.Soak => "soak.json",
        _ => "bench.json",
    });

    /// <summary>Where the resources' logs are kept, a file per resource instance: beside the figures (bench-results/soak-logs/ for soak.json).</summary>
    public string LogFolder => Path.ChangeExtension(Output, null) + "-logs";

    /// <summary>
    /// How long the whole invocation may take before it gives up: the full run takes about five minutes; a soak its
    /// length and the measurement before it; a growth run mostly the fill (about a minute per million rows on 2 cores).
    /// </summary>
    public TimeSpan Deadline => TimeSpan.FromMinutes(20) + Mode switch
    {
        BenchMode.Soak => SoakLength,
        BenchMode.Growth => TimeSpan.FromMinutes(2 * GrowthRows / 1_000_000.0),
        _ => TimeSpan.Zero,
    };

    public int Replicas { get; init; } = 2;

    public int MaxConcurrency { get; init; } = 256;

    public IReadOnlyList<string> AppHostArgs { get; init; } = [];

    public int EffectiveLimitConcurrency => LimitConcurrency > 0 ? LimitConcurrency : Replicas * MaxConcurrency;

    public static BenchOptions Parse(string[] args)
    {
        try
        {
            return ParseValid(JoinSpacedValues(args));
        }
        catch (FormatException ex)
        {
            throw new BenchUsageException($"A value is not a number: {ex.Message}");
        }
    }

    /// <summary>The options that take no value; every other one may also be written with a space (<c>--minutes 30</c>).</summary>
    private static readonly HashSet<string> Flags = ["--skip-large", "--no-otlp", "--growth", "--soak", "--help", "-h"];

    private static List<string> JoinSpacedValues(string[] args)
    {
        var joined = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var takesNext = arg.StartsWith("--", StringComparison.Ordinal) && !arg.Contains('=', StringComparison.Ordinal)
                && !Flags.Contains(arg) && i + 1 < args.Length && !args[i + 1].StartsWith('-');
            joined.Add(takesNext ? $"{arg}={args[++i]}" : arg);
        }
        return joined;
    }

    private static BenchOptions ParseValid(List<string> args)
    {
        var options = new BenchOptions();
        var passThrough = new List<string>();
        foreach (var arg in args)
        {
            var (name, value) = arg.Split('=', 2) is [var n, var v] ? (n, v) : (arg, "");
            options = name switch
            {
                "--seconds" => options with { Sustained = Seconds(value) },
                "--limit-seconds" => options with { Limit = Seconds(value) },
                "--latency-seconds" => options with { Latency = Seconds(value) },
                "--latency-rate" => options with { LatencyRate = double.Parse(value, CultureInfo.InvariantCulture) },
                "--warmup-seconds" => options with { Warmup = Seconds(value) },
                "--batch" => options with { Batch = Int(value) },
                "--latency-batch" => options with { LatencyBatch = Int(value) },
                "--feeders" => options with { Feeders = Int(value) },
                "--window" => options with { Window = Int(value) },
                "--limit-concurrency" => options with { LimitConcurrency = Int(value) },
                "--skip-large" => options with { SkipLarge = true },
                "--no-otlp" => options with { OtlpExport = false },
                "--out" => options with { OutputOption = value },
                "--growth" => options with { Mode = BenchMode.Growth },
                "--growth-rows" => options with { GrowthRows = long.Parse(value, CultureInfo.InvariantCulture) },
                "--soak" => options with { Mode = BenchMode.Soak },
                "--minutes" => options with { SoakLength = TimeSpan.FromMinutes(double.Parse(value, CultureInfo.InvariantCulture)) },
                "--rate" => options with { Rate = double.Parse(value, CultureInfo.InvariantCulture) },
                "--only" when value is "webhooks" or "alerts" or "filters" => options with { Only = value },
                "--only" => throw new BenchUsageException($"--only takes webhooks, alerts or filters, not '{value}'."),
                "--alert-rates" => options with { AlertRates = value.Split(',').Select(r => double.Parse(r, CultureInfo.InvariantCulture)).ToList() },
                "--alert-clients" => options with { AlertClients = Int(value) },
                "--idle-connections" => options with { IdleConnections = Int(value) },
                "--help" or "-h" => throw new BenchUsageException(),
                _ => Pass(options, arg, name, value, passThrough),
            };
        }
        if (new[] { options.Sustained, options.Limit, options.Latency }.Any(run => run <= options.Warmup))
        {
            throw new BenchUsageException("Every run must last longer than --warmup-seconds: nothing would be counted.");
        }
        if (options.GrowthRows < 1 || options.SoakLength < TimeSpan.FromMinutes(1) || options.Rate < 0 || options.LatencyRate < 0)
        {
            throw new BenchUsageException("--growth-rows must be at least 1, --minutes at least 1, and rates not negative.");
        }
        if (options.AlertClients < 1 || options.IdleConnections < 1 || options.AlertRates.Count == 0 || options.AlertRates.Any(r => r <= 0))
        {
            throw new BenchUsageException("The alert runs need at least one client, one idle connection and positive rates.");
        }
        return options with { AppHostArgs = passThrough };
    }

    private static BenchOptions Pass(BenchOptions options, string arg, string name, string value, List<string> passThrough)
    {
        if (!name.StartsWith("--", StringComparison.Ordinal) || !name.Contains(':', StringComparison.Ordinal))
        {
            throw new BenchUsageException($"Unknown option {arg}.");
        }
        passThrough.Add(arg);
        return name switch
        {
            "--Dispatcher:Replicas" => options with { Replicas = Int(value) },
            "--Delivery:MaxConcurrency" => options with { MaxConcurrency = Int(value) },
            _ => options,
        };
    }

    private static TimeSpan Seconds(string value) => TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture));

    private static int Int(string value) => int.Parse(value, CultureInfo.InvariantCulture);

    public const string Usage = """
        ./bench.sh [options] [AppHost settings]             the full run
        ./bench.sh --growth [--growth-rows=10000000]         fan-out 1 on an empty database, then with that much history
        ./bench.sh --soak [--minutes=30] [--rate=N]          half load for a while, a line a minute, then pass/fail
          --seconds=20            each sustained-throughput run (fan-out 1 and 10, small and large tables)
          --limit-seconds=10      the bare HttpClient run (the machine's limit)
          --latency-seconds=15    each latency run (webhooks: at --latency-rate and at half the sustained maximum;
                                  alerts: at each rate)
          --latency-rate=500      the first webhook latency run's events/s (0 skips it); the second is at half load
          --warmup-seconds=3      not counted at the start of every run
          --batch=50              events per ingest request (throughput runs)
          --latency-batch=10      events per ingest request (latency runs)
          --feeders=4             ingest requests in flight (throughput runs)
          --window=4000           deliveries ingested but not yet received, at most
          --limit-concurrency=N   requests in flight in the limit run (default: replicas × Delivery:MaxConcurrency)
          --skip-large            skip the 100,000-wallet / 10,000-webhook repeat
          --no-otlp               the services export no telemetry (by default they try OTLP, as in the tests)
          --only=webhooks|alerts  run one section only (default: the webhook runs, then the alert runs)
          --only=filters          fan-out 10 with and without a trade filter passing 10% of events, alternately,
                                  twice each: events/s and CPU per event (exit code 1 unless the filter is cheaper)
          --alert-rates=500,2000  events/s of the alert latency runs (each as long as --latency-seconds)
          --alert-clients=100     WebSocket clients in the alert latency runs, one user and 10 wallets each
          --idle-connections=1000 idle WebSocket connections whose API memory is measured (5 per user)
          --growth                the growth run instead (not in CI): fan-out 1 throughput and latency on an empty
                                  database, then with --growth-rows finished deliveries (and their events and
                                  attempts) loaded straight into Postgres; passes if within 1.2x
          --growth-rows=10000000  history rows for --growth (start with a small number: 10M take minutes)
          --soak                  the soak instead (not in CI): half load for --minutes, printing deliveries/s, p99,
                                  memory, stream length and pending retries once a minute, then pass/fail
          --minutes=30            length of --soak
          --rate=N                events/s of --soak and of the --growth latency runs (default: half the fan-out-1
                                  maximum, measured first)
          --out=bench-results/bench.json   (growth.json, soak.json for those modes)
          --Section:Key=value     passed to the AppHost (e.g. --Dispatcher:Replicas=3)
        """;
}

internal sealed class BenchUsageException(string message = "") : Exception(message);
