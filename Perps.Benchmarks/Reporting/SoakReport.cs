using System.Globalization;
using System.Text;
using Perps.Benchmarks.Infrastructure;
using Perps.Benchmarks.Runs;
using static Perps.Benchmarks.Reporting.BenchReport;

namespace Perps.Benchmarks.Reporting;

internal sealed record SoakResult(
    DateTimeOffset Started,
    double Minutes,
    MachineInfo Machine,
    double EventsPerSecond,
    string RateFrom,
    double SoakMinutes,
    IReadOnlyList<SoakMinute> ByMinute,
    StorageResult Storage,
    RunVerdict Verdict);

/// <summary>
/// The soak's line a minute, its table, and its verdict: memory after minute 5 never more than 10% above its highest
/// in minutes 1-5, p99 within 1.5× of the first minute's, and no backlog trending up.
/// </summary>
internal static class SoakReport
{
    public const double MemoryGrowthLimit = 0.10;
    public const double P99Factor = 1.5;
    public const int MemoryBaselineMinute = 5;

    public static string MinuteLine(SoakMinute m) =>
        $"minute {m.Minute}: {F(m.DeliveriesPerSecond)} deliveries/s; due → received p50 {Ms(m.P50Ms)}, p99 {Ms(m.P99Ms)}, max {Ms(m.MaxMs)}{(m.SlowestDueAt is { } at ? $" (due {at:HH:mm:ss.f})" : "")} " +
        $"(p99 of its parts: generator behind {Ms(m.SendLagP99Ms)}, ingest {Ms(m.IngestP99Ms)}, 202 → received {Ms(m.From202P99Ms)}; " +
        $"{F(m.Events)} events{(m.NotArrived > 0 ? $", {F(m.NotArrived)} not arrived yet" : "")}); " +
        $"memory: API {F(m.ApiMb)} MB, dispatchers {string.Join(", ", m.DispatcherMb.Select(d => F(d)))} MB; " +
        $"stream length {F(m.StreamLength)}; pending retries {F(m.PendingRetries)}" +
        (m.Pauses.Count > 0 ? $"; THE MACHINE STOOD STILL: {string.Join(", ", m.Pauses)}" : "");

    public static List<TargetCheck> CheckTargets(IReadOnlyList<SoakMinute> minutes, double eventsPerSecond, int fanOut, long ingestRefused)
    {
        // A load the API refused in part (503 at capacity, or a failure) was not the load offered.
        var checks = new List<TargetCheck>
        {
            new("soak: every ingest request accepted", $"{F(ingestRefused)} refused or failed", ingestRefused == 0),
        };
        // Growth is judged peak against peak: a collector's sawtooth moves a single reading several percent either way
        // (the API read 213 MB at minute 5 and 241 at minute 4 of one soak), and a heap that grows raises the peaks.
        // The first 5 minutes settle; a soak of 5 minutes or less (a try-out) is judged against minute 1.
        var settled = minutes.Count > MemoryBaselineMinute ? MemoryBaselineMinute : 1;
        var after = minutes.Skip(settled).ToList();
        var memory = new List<(string Name, Func<SoakMinute, double> Mb)> { ("API", m => m.ApiMb) };
        var replicas = minutes.Count == 0 ? 0 : minutes.Min(m => m.DispatcherMb.Count);
        memory.AddRange(Enumerable.Range(0, replicas).Select(i => ($"dispatcher {i + 1}", (Func<SoakMinute, double>)(m => m.DispatcherMb[i]))));
        var settling = settled == 1 ? "minute 1" : $"minutes 1-{settled}";
        foreach (var (name, mb) in memory)
        {
            var target = $"soak: {name} memory after minute {settled} at most {F(MemoryGrowthLimit * 100)}% above its highest in {settling}";
            if (after.Count == 0)
            {
                checks.Add(new(target, "not judged: no minute after it", false));
                continue;
            }
            var (from, peak) = (minutes.Take(settled).Max(mb), after.Max(mb));
            var growth = peak / from - 1;
            checks.Add(new(target, $"{F(from)} → at most {F(peak)} MB ({F(growth * 100, "+0.0;-0.0")}%)", growth <= MemoryGrowthLimit));
        }

        if (minutes.Count > 0)
        {
            var first = minutes[0].P99Ms;
            var worst = minutes.Skip(1).Select(m => m.P99Ms / first).DefaultIfEmpty(1).Max();
            checks.Add(new($"soak: p99 (due → received) every minute within {F(P99Factor, "0.0")}× of the first minute's",
                $"first {Ms(first)}, worst {Ms(minutes.Max(m => m.P99Ms))} ({F(worst, "0.00")}×)",
                double.IsFinite(worst) && worst <= P99Factor));
        }

        // Noise is allowed up to a second's worth of the offered load; a backlog that grows more than that over the run is trending up.
        checks.Add(Trend("stream length", minutes.Select(m => (double)m.StreamLength).ToList(), eventsPerSecond));
        checks.Add(Trend("pending retries", minutes.Select(m => (double)m.PendingRetries).ToList(), eventsPerSecond * fanOut));
        return checks;
    }

    public static string Markdown(SoakResult r)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Soak: {F(r.EventsPerSecond)} events/s ({r.RateFrom}) for {F(r.SoakMinutes, "0.#")} minutes, fan-out 1");
        md.AppendLine();
        md.AppendLine("| Minute | deliveries/s | p50 ms | p99 ms | max ms | p99 parts: generator behind / ingest / 202 → received, ms | events | API MB | dispatchers MB | stream length | pending retries |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var m in r.ByMinute)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {m.Minute} | {F(m.DeliveriesPerSecond)} | {Ms(m.P50Ms, "")} | {Ms(m.P99Ms, "")} | {Ms(m.MaxMs, "")} | {Ms(m.SendLagP99Ms, "")} / {Ms(m.IngestP99Ms, "")} / {Ms(m.From202P99Ms, "")} | {F(m.Events)} | {F(m.ApiMb)} | {string.Join(", ", m.DispatcherMb.Select(d => F(d)))} | {F(m.StreamLength)} | {F(m.PendingRetries)} |");
        }
        return md.ToString();
    }

    /// <summary>Least-squares slope of the minute readings, times the minutes between the first and the last.</summary>
    private static TargetCheck Trend(string name, IReadOnlyList<double> readings, double allowance)
    {
        var n = readings.Count;
        var meanX = (n - 1) / 2.0;
        var meanY = readings.DefaultIfEmpty(0).Average();
        var spread = Enumerable.Range(0, n).Sum(x => (x - meanX) * (x - meanX));
        var slope = spread == 0 ? 0 : Enumerable.Range(0, n).Sum(x => (x - meanX) * (readings[x] - meanY)) / spread;
        var growth = slope * Math.Max(0, n - 1);
        return new($"soak: {name} not trending up (growth over the run ≤ {F(allowance)}, a second's worth of load)",
            $"{F(readings.FirstOrDefault())} → {F(readings.LastOrDefault())}, trend {F(slope, "+#,0.0;-#,0.0;0")} a minute", growth <= allowance);
    }

    private static string Ms(double ms, string unit = " ms") =>
        double.IsPositiveInfinity(ms) ? "not all arrived" : $"{F(ms, "0.0")}{unit}";
}
