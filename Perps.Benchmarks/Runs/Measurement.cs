using System.Diagnostics;
using Perps.Benchmarks.Infrastructure;

namespace Perps.Benchmarks.Runs;

/// <summary>CPU seconds each role of the app used over a stretch of time (the benchmark's own process is "bench").</summary>
internal sealed class CpuMeter(IReadOnlyList<AppProcess> processes)
{
    public Dictionary<string, TimeSpan> Take()
    {
        var totals = processes.GroupBy(p => p.Role)
            .ToDictionary(g => g.Key, g => g.Aggregate(TimeSpan.Zero, (sum, p) => sum + ProcessProbe.CpuTime(p)));
        totals["bench"] = Process.GetCurrentProcess().TotalProcessorTime;
        return totals;
    }

    public static Dictionary<string, double> Seconds(Dictionary<string, TimeSpan> before, Dictionary<string, TimeSpan> after) =>
        after.ToDictionary(kv => kv.Key, kv => Math.Round((kv.Value - before.GetValueOrDefault(kv.Key)).TotalSeconds, 2));
}

internal static class Stats
{
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static double Milliseconds(long fromTicks, long toTicks) => (toTicks - fromTicks) * 1000.0 / Stopwatch.Frequency;

    /// <summary>Waits until <paramref name="done"/> holds or <paramref name="timeout"/> passes; true if it held.</summary>
    public static async Task<bool> WaitUntilAsync(Func<bool> done, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!done())
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                return false;
            }
            await Task.Delay(20, ct);
        }
        return true;
    }
}
