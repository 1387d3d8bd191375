using Perps.Benchmarks.Infrastructure;
using Perps.Benchmarks.Runs;

namespace Perps.Benchmarks.Reporting;

/// <summary>
/// One table size: its throughput at fan-out 1 and 10, its latency at <c>--latency-rate</c> (null when skipped) and at
/// half load, and the services' peak memory meanwhile.
/// </summary>
internal sealed record ScenarioResult(
    string Name,
    long Wallets,
    long Webhooks,
    ThroughputResult FanOut1,
    ThroughputResult FanOut10,
    ThroughputResult FanOut1InLatencyBatches,
    LatencyResult? LatencyAtRate,
    LatencyResult Latency,
    double ApiPeakMb,
    double DispatcherPeakMb);

internal sealed record MachineInfo(int Cores, string LoadAverageAtStart, string LoadAverageAtEnd, string Note);

internal sealed record TargetCheck(string Target, string Measured, bool Met);

internal sealed record BenchResult(
    DateTimeOffset Started,
    double Minutes,
    MachineInfo Machine,
    BenchSettings Settings,
    Dictionary<string, double> IdleCpuCores,
    Dictionary<string, double> IdleCpuCoresAtEnd,
    LimitResult? Limit,
    LimitResult? LimitAfter,
    IReadOnlyList<ScenarioResult> Scenarios,
    AlertsResult? Alerts,
    double StartupApiPeakMb,
    double StartupDispatcherPeakMb,
    bool PeakResetPerScenario,
    long InvalidSignatures,
    long UnknownWebhooks,
    DeliveryLedger? Ledger,
    StorageResult? Storage,
    IReadOnlyList<TargetCheck> Targets,
    double? Ratio,
    IReadOnlyList<Pause> Pauses)
{
    /// <summary>Deliveries went missing (the figures leave them out) or the machine stood still (the figures measure that): they stand for nothing.</summary>
    public bool IsVoid => Ledger?.IsVoid == true || Alerts?.IsVoid == true || Pauses.Count > 0;
}

/// <summary>The alert channel: latency at each offered load with clients connected, and the cost of idle connections.</summary>
internal sealed record AlertsResult(IReadOnlyList<AlertLatencyResult> Latency, AlertConnectionsResult Idle)
{
    public bool IsVoid => Latency.Any(l => l.IsVoid) || Idle.ClosedWhileIdle > 0;
}

internal sealed record BenchSettings(
    int Replicas,
    int MaxConcurrency,
    int LimitConcurrency,
    double SustainedSeconds,
    double LatencySeconds,
    double LimitSeconds,
    double WarmupSeconds,
    int Batch,
    int LatencyBatch,
    int Feeders,
    int Window,
    bool OtlpExport,
    string? Only,
    IReadOnlyList<double> AlertRates,
    int AlertClients,
    int IdleConnections,
    IReadOnlyList<string> AppHostArgs);
