using Perps.Benchmarks.Infrastructure;
using Perps.Benchmarks.Reporting;
using Perps.Benchmarks.Runs;
using Perps.Benchmarks.Setup;

namespace Perps.Benchmarks;

/// <summary>
/// <c>./bench.sh --soak</c>: the app, the fan-out-1 customer and the small tables; the sustained fan-out-1 maximum
/// measured as the full run measures it (unless <c>--rate</c> gives the load); then half of it, open loop, for
/// <c>--minutes</c>, a line a minute; then the verdict, the ledger and storage per delivery.
/// </summary>
internal sealed class SoakRunner(BenchOptions options)
{
    public async Task<int> RunAsync(CancellationToken ct)
    {
        await using var session = await BenchSession.StartAsync(options, ct);
        var group = await BenchTenants.CreateAsync(session.App, session.Receiver, 1, ct);
        await session.Db.FillToAsync(100, 100, ct);
        await session.WarmUpAsync([group], options, ct);
        var (rate, rateFrom) = await RateAsync(session, group, ct);

        var storage = new StorageMeter(session.App.DatabaseConnectionString, TableFiller.SetupTables);
        await storage.MarkAsync(ct);
        BenchSession.Step($"soak: {rate:#,0} events/s ({rateFrom}) for {options.SoakLength.TotalMinutes:0.#} minutes …");
        var (minutes, ledgerLine) = await SoakRun.RunAsync(session, group, rate, options.SoakLength, options.LatencyBatch,
            minute => BenchSession.Step(SoakReport.MinuteLine(minute)), ct);
        session.Ledger.Add(ledgerLine);
        await storage.NoteWritesAsync(ct);
        var stored = await storage.MeasureAsync(ct);

        var result = new SoakResult(
            session.Started,
            Math.Round(session.Clock.Elapsed.TotalMinutes, 2),
            new MachineInfo(Environment.ProcessorCount, session.LoadAtStart, BenchSession.LoadAverage(),
                "Figures are from one run on this machine; other work running at the same time changes them."),
            Math.Round(rate),
            rateFrom,
            options.SoakLength.TotalMinutes,
            minutes,
            stored,
            new RunVerdict("Soak", DeliveryLedger.Of(session.Ledger), session.Pauses.Seen(), session.Receiver.InvalidSignatures, session.Receiver.UnknownWebhooks,
                SoakReport.CheckTargets(minutes, rate, group.FanOut, ledgerLine.IngestFailures)));
        await BenchReport.WriteJsonAsync(result, options.Output);

        Console.WriteLine();
        Console.WriteLine(SoakReport.Markdown(result));
        Console.WriteLine(result.Verdict.Text(stored, options.Output));
        return result.Verdict.Passed ? 0 : 1;
    }

    /// <summary>The soak's load: <c>--rate</c>, or half the sustained fan-out-1 maximum, measured now.</summary>
    private async Task<(double Rate, string From)> RateAsync(BenchSession session, HotGroup group, CancellationToken ct)
    {
        if (options.Rate > 0)
        {
            return (options.Rate, "--rate");
        }
        // In the soak's own requests (batches of LatencyBatch): half the maximum of larger batches overloads the API.
        var max = await ThroughputRun.RunAsync($"fan-out 1 in batches of {options.LatencyBatch}, the maximum", session.App, session.Receiver,
            session.Db, group, session.Feed, options.InLatencyBatches, session.Cpu, ct);
        session.Ledger.Add(max.Ledger);
        BenchSession.Step($"fan-out 1 in batches of {options.LatencyBatch}: {max.DeliveriesPerSecond:#,0} deliveries/s sustained");
        return (Math.Max(1, max.DeliveriesPerSecond / 2),
            $"half of {max.DeliveriesPerSecond:#,0} deliveries/s sustained in batches of {options.LatencyBatch}, measured first");
    }
}
