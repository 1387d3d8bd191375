using System.Text;
using Perps.Benchmarks.Infrastructure;

namespace Perps.Benchmarks.Reporting;

/// <summary>
/// Whether a growth or soak run stands and passes: its ledger (a missing delivery makes it void), the receiver's
/// signature counts (both must be 0) and its targets (all must be met).
/// </summary>
internal sealed record RunVerdict(string Mode, DeliveryLedger Ledger, long InvalidSignatures, long UnknownWebhooks, IReadOnlyList<TargetCheck> Targets)
{
    public bool IsVoid => Ledger.IsVoid;

    public bool Passed => !IsVoid && InvalidSignatures == 0 && UnknownWebhooks == 0 && Targets.All(t => t.Met);

    /// <summary>The ledger, storage per delivery, the checklist and, last, PASSED or FAILED.</summary>
    public string Text(StorageResult storage, string writtenTo)
    {
        var text = new StringBuilder();
        text.AppendLine(Ledger.Markdown());
        text.AppendLine(BenchReport.StorageLine(storage));
        text.AppendLine();
        text.AppendLine(BenchReport.Checklist(
            [.. Targets, new("invalid signatures = 0", BenchReport.F(InvalidSignatures), InvalidSignatures == 0 && UnknownWebhooks == 0)]));
        text.AppendLine($"Written to {writtenTo}.");
        text.Append(Passed ? $"{Mode}: PASSED." : $"{Mode}: FAILED{(IsVoid ? " (VOID: deliveries went missing)" : "")}.");
        return text.ToString();
    }
}
