using System.Globalization;
using System.Text;
using Perps.Benchmarks.Setup;

namespace Perps.Benchmarks.Runs;

/// <summary>
/// <c>--only=filters</c>: fan-out 10 with and without a trade filter that passes 10% of the feed (ten webhooks with
/// <c>min_size_usd</c>, every tenth trade large), run alternately, twice each, on the small tables. The filter is
/// applied in the fan-out query, so a filtered-out trade costs no delivery and no request: the cost per event must
/// fall, not rise. Prints events/s and CPU per accepted event for each run, and the filtered ÷ unfiltered means.
/// </summary>
internal static class FilterRun
{
    private const int Rounds = 2;

    public static async Task<int> RunAsync(BenchSession session, BenchOptions options, CancellationToken ct)
    {
        var unfiltered = await BenchTenants.CreateAsync(session.App, session.Receiver, 10, ct);
        var filtered = await BenchTenants.CreateAsync(session.App, session.Receiver, 10, ct, largeTradesOnly: true);
        await session.WarmUpAsync([unfiltered, filtered], options, ct, TimeSpan.FromSeconds(5));

        var runs = new List<(bool Filtered, ThroughputResult Result)>();
        for (var round = 1; round <= Rounds; round++)
        {
            foreach (var (group, isFiltered) in new[] { (unfiltered, false), (filtered, true) })
            {
                var name = $"fan-out 10{(isFiltered ? ", filter passing 10%" : "")}, round {round}";
                var run = await ThroughputRun.RunAsync(name, session.App, session.Receiver, session.Db, group, session.Feed, options, session.Cpu, ct);
                session.Ledger.Add(run.Ledger);
                BenchSession.Step($"{name}: {run.IngestedEventsPerSecond:#,0} events/s, {run.DeliveriesPerSecond:#,0} deliveries/s; " +
                    $"CPU per event: {string.Join(", ", run.CpuMsPerEvent.Select(kv => $"{kv.Key} {kv.Value} ms"))} (missing {run.Missing})");
                runs.Add((isFiltered, run));
            }
        }

        Console.WriteLine();
        Console.WriteLine(Markdown(runs));
        var missing = runs.Sum(r => r.Result.Missing);
        var cheaper = Mean(runs, true, TotalCpuMsPerEvent) < Mean(runs, false, TotalCpuMsPerEvent);
        Console.WriteLine(missing > 0 ? $"VOID: {missing} deliveries missing." : cheaper
            ? "Filtered fan-out costs less CPU per event than unfiltered."
            : "Filtered fan-out does NOT cost less CPU per event than unfiltered.");
        return missing == 0 && cheaper ? 0 : 1;
    }

    private static double TotalCpuMsPerEvent(ThroughputResult run) => run.CpuMsPerEvent.Values.Sum();

    private static double Mean(List<(bool Filtered, ThroughputResult Result)> runs, bool filtered, Func<ThroughputResult, double> figure) =>
        runs.Where(r => r.Filtered == filtered).Average(r => figure(r.Result));

    private static string Markdown(List<(bool Filtered, ThroughputResult Result)> runs)
    {
        var roles = runs.SelectMany(r => r.Result.CpuMsPerEvent.Keys).Distinct().Order().ToList();
        var text = new StringBuilder();
        text.AppendLine($"| Fan-out 10 | events/s | deliveries/s | {string.Join(" | ", roles.Select(r => $"{r} CPU ms/event"))} | all CPU ms/event |");
        text.AppendLine($"|---|---:|---:|{string.Concat(roles.Select(_ => "---:|"))}---:|");
        foreach (var (isFiltered, run) in runs)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {(isFiltered ? "filter passing 10%" : "no filter")} | {run.IngestedEventsPerSecond:#,0} | {run.DeliveriesPerSecond:#,0} | " +
                $"{string.Join(" | ", roles.Select(r => run.CpuMsPerEvent.GetValueOrDefault(r).ToString("0.000", CultureInfo.InvariantCulture)))} | {TotalCpuMsPerEvent(run):0.000} |");
        }
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| filtered ÷ unfiltered (means) | {Mean(runs, true, r => r.IngestedEventsPerSecond) / Mean(runs, false, r => r.IngestedEventsPerSecond):0.00}× | | " +
            $"{string.Join(" | ", roles.Select(role => (Mean(runs, true, r => r.CpuMsPerEvent.GetValueOrDefault(role)) / Math.Max(1e-9, Mean(runs, false, r => r.CpuMsPerEvent.GetValueOrDefault(role)))).ToString("0.00", CultureInfo.InvariantCulture) + "×"))} | " +
            $"{Mean(runs, true, TotalCpuMsPerEvent) / Mean(runs, false, TotalCpuMsPerEvent):0.00}× |");
        return text.ToString();
    }
}
