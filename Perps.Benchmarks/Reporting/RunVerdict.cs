using System.Text;
using Perps.Benchmarks.Infrastructure;

namespace Perps.Benchmarks.Reporting;

/// <summary>
/// Whether a growth or soak run stands and passes: its ledger (a missing delivery makes it void), the moments the
/// machine stood still (any makes it void too), the receiver's signature counts (both must be 0) and its targets (all
/// must be met).
/// </summary>
internal sealed record RunVerdict(string Mode, DeliveryLedger Ledger, IReadOnlyList<Pause> Pauses, long InvalidSignatures, long UnknownWebhooks,
    IReadOnlyList<TargetCheck> Targets)
{
    public bool IsVoid => Ledger.IsVoid || Pauses.Count > 0;

    public bool Passed => !IsVoid && InvalidSignatures == 0 && UnknownWebhooks == 0 && Targets.All(t => t.Met);

    /// <summary>The ledger, storage per delivery, the checklist and, last, PASSED or FAILED.</summary>
    public string Text(StorageResult storage, string writtenTo)
    {
        var text = new StringBuilder();
        text.AppendLine(Ledger.Markdown());
        text.AppendLine(BenchReport.StorageLine(storage));
        text.AppendLine();
        if (Pauses.Count > 0)
        {
            text.AppendLine(BenchReport.PausesLine(Pauses));
            text.AppendLine();
        }
        text.AppendLine(BenchReport.Checklist(
            [.. Targets, new("invalid signatures = 0", BenchReport.F(InvalidSignatures), InvalidSignatures == 0 && UnknownWebhooks == 0)]));
        text.AppendLine($"Written to {writtenTo}.");
        text.Append(Passed ? $"{Mode}: PASSED." : $"{Mode}: FAILED{VoidReason()}.");
        return text.ToString();
    }

    private string VoidReason() => (Ledger.IsVoid, Pauses.Count > 0) switch
    {
        (true, true) => " (VOID: deliveries went missing, and the machine stood still)",
        (true, false) => " (VOID: deliveries went missing)",
        (false, true) => " (VOID: the machine stood still)",
        _ => "",
    };
}
