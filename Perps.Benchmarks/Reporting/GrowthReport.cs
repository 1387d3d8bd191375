using System.Globalization;
using System.Text;
using Perps.Benchmarks.Infrastructure;
using Perps.Benchmarks.Runs;
using static Perps.Benchmarks.Reporting.BenchReport;

namespace Perps.Benchmarks.Reporting;

/// <summary>Fan-out 1 throughput and latency with the database as it was (empty of history) or after the history was loaded.</summary>
internal sealed record GrowthHalf(string Name, ThroughputResult FanOut1, LatencyResult Latency, StorageResult Storage);

internal sealed record GrowthResult(
    DateTimeOffset Started,
    double Minutes,
    MachineInfo Machine,
    long HistoryRows,
    double FillSeconds,
    GrowthHalf Empty,
    GrowthHalf WithHistory,
    RunVerdict Verdict);

/// <summary>The growth run's table and verdict: with the history, fan-out 1 throughput and p99 within 1.2× of the empty database's.</summary>
internal static class GrowthReport
{
    public const double Tolerance = 1.2;

    /// <summary>One-sided, as the table-size checks of the full run: the history may not make things worse by more than the tolerance.</summary>
    public static List<TargetCheck> CheckTargets(GrowthHalf empty, GrowthHalf full)
    {
        var throughput = full.FanOut1.DeliveriesPerSecond / Math.Max(1, empty.FanOut1.DeliveriesPerSecond);
        var p99 = full.Latency.P99Ms / empty.Latency.P99Ms;
        return
        [
            new($"growth: {full.Name}, fan-out 1 throughput at least 1/{F(Tolerance, "0.0")} of the run {empty.Name}'s",
                $"{F(full.FanOut1.DeliveriesPerSecond)} vs {F(empty.FanOut1.DeliveriesPerSecond)} deliveries/s ({F(throughput, "0.00")}×)",
                throughput >= 1 / Tolerance),
            new($"growth: {full.Name}, p99 at {F(empty.Latency.TargetEventsPerSecond)} events/s (due → received) at most {F(Tolerance, "0.0")}× the run {empty.Name}'s",
                $"{F(full.Latency.P99Ms, "0.0")} vs {F(empty.Latency.P99Ms, "0.0")} ms ({F(p99, "0.00")}×)",
                full.Latency.Missing == 0 && empty.Latency.Missing == 0 && p99 <= Tolerance),
        ];
    }

    public static string Markdown(GrowthResult r)
    {
        var (e, h) = (r.Empty, r.WithHistory);
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Growth: fan-out 1 on the database {e.Name}, then {h.Name} (loaded in {F(r.FillSeconds, "0")} s, {F(r.HistoryRows / Math.Max(1, r.FillSeconds))} rows/s, then VACUUM ANALYZE)");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"| Figure | {e.Name} | {h.Name} | with ÷ without | target |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Delivery rows in the database | {F(e.Storage.Deliveries)} | {F(h.Storage.Deliveries)} | | |");
        Row(md, "Fan-out 1, deliveries/s", e.FanOut1.DeliveriesPerSecond, h.FanOut1.DeliveriesPerSecond, "#,0", $"≥ {F(1 / Tolerance, "0.00")}×");
        var at = $"at {F(e.Latency.TargetEventsPerSecond)} events/s";
        Row(md, $"Latency {at}, due → received, p50 ms", e.Latency.P50Ms, h.Latency.P50Ms);
        Row(md, $"Latency {at}, due → received, p99 ms", e.Latency.P99Ms, h.Latency.P99Ms, "0.0", $"≤ {F(Tolerance, "0.0")}×");
        Row(md, $"Latency {at}, due → received, max ms", e.Latency.MaxMs, h.Latency.MaxMs);
        Row(md, $"Latency {at}, 202 → received, p99 ms", e.Latency.From202P99Ms, h.Latency.From202P99Ms);
        Row(md, "Storage per delivery, bytes (tables the write path fills, with indexes)", e.Storage.BytesPerDelivery, h.Storage.BytesPerDelivery, "#,0");
        return md.ToString();
    }

    private static void Row(StringBuilder md, string name, double empty, double full, string format = "0.0", string target = "") =>
        md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {F(empty, format)} | {F(full, format)} | {F(full / empty, "0.00")}× | {target} |");
}
