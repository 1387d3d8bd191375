using System.Globalization;
using System.Text;
using static Perps.Benchmarks.Reporting.BenchReport;

namespace Perps.Benchmarks.Reporting;

/// <summary>
/// One run's account of the webhook deliveries it caused: the events the API accepted (202), the deliveries they
/// owe (events × fan-out), how many of those the receiver got with a valid signature, and how many it never got.
/// Duplicates (a pair delivered again) and refused ingest requests (owing nothing) are counted beside.
/// </summary>
internal sealed record LedgerLine(string Run, int FanOut, long EventsAccepted, long Owed, long Delivered, long Missing, long Duplicates, long IngestFailures);

/// <summary>Every run's ledger line and their sum; one missing delivery anywhere makes the whole benchmark void.</summary>
internal sealed record DeliveryLedger(
    IReadOnlyList<LedgerLine> Lines, long EventsAccepted, long Owed, long Delivered, long Missing, long Duplicates, long IngestFailures)
{
    public bool Balances => Owed == Delivered + Missing;

    /// <summary>A run that lost a delivery measured nothing: its figures leave the lost ones out.</summary>
    public bool IsVoid => Missing > 0 || !Balances;

    public static DeliveryLedger Of(IReadOnlyList<LedgerLine> lines) => new(lines,
        lines.Sum(l => l.EventsAccepted), lines.Sum(l => l.Owed), lines.Sum(l => l.Delivered), lines.Sum(l => l.Missing),
        lines.Sum(l => l.Duplicates), lines.Sum(l => l.IngestFailures));

    public string Markdown()
    {
        var md = new StringBuilder();
        md.AppendLine("Ledger (webhook deliveries: accepted events × fan-out = delivered + missing)");
        md.AppendLine();
        md.AppendLine("| Run | events accepted | fan-out | owed | delivered | missing | duplicates | ingest refused |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var l in Lines)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {l.Run} | {F(l.EventsAccepted)} | {l.FanOut} | {F(l.Owed)} | {F(l.Delivered)} | {F(l.Missing)}{(l.Missing > 0 ? " **VOID**" : "")} | {F(l.Duplicates)} | {F(l.IngestFailures)} |");
        }
        md.AppendLine(CultureInfo.InvariantCulture,
            $"| **total** | {F(EventsAccepted)} | | {F(Owed)} | {F(Delivered)} | {F(Missing)} | {F(Duplicates)} | {F(IngestFailures)} |");
        md.AppendLine();
        md.AppendLine(Verdict());
        return md.ToString();
    }

    /// <summary>The ledger in one line, ending with whether the run stands.</summary>
    public string Verdict() =>
        $"Ledger: {F(EventsAccepted)} events accepted owe {F(Owed)} deliveries = {F(Delivered)} delivered + {F(Missing)} missing; " +
        $"{F(Duplicates)} duplicates; " +
        (IsVoid ? $"the run is VOID: {F(Missing)} deliveries never arrived, so every figure above leaves them out." : "balanced, nothing missing.");
}
