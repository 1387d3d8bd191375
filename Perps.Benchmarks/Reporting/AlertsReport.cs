using System.Globalization;
using System.Text;
using Perps.Benchmarks.Runs;
using static Perps.Benchmarks.Reporting.BenchReport;

namespace Perps.Benchmarks.Reporting;

/// <summary>The "Alerts over WebSocket" table and its targets: latency at each load, and memory per idle connection.</summary>
internal static class AlertsReport
{
    public const double P50TargetMs = 2;
    public const double P99TargetMs = 10;
    public const double IdleKbTarget = 150;

    public static List<TargetCheck> CheckTargets(AlertsResult alerts)
    {
        var checks = new List<TargetCheck>();
        foreach (var l in alerts.Latency)
        {
            var at = $"alerts at {F(l.TargetEventsPerSecond)} events/s";
            checks.Add(new($"{at}: missing = 0 (else the run is void)", $"{F(l.Missing)} of {F(l.Sent)}", !l.IsVoid));
            // The target is the issue's: from the ingest request's 202 to the frame. From the due time (which adds the
            // ingest request itself) is shown beside it.
            checks.Add(new($"{at}: p50 ≤ {F(P50TargetMs)} ms, 202 → frame (due → frame)",
                $"{F(l.From202P50Ms, "0.00")} ms ({F(l.P50Ms, "0.00")} ms)", !l.IsVoid && l.From202P50Ms <= P50TargetMs));
            checks.Add(new($"{at}: p99 ≤ {F(P99TargetMs)} ms, 202 → frame (due → frame)",
                $"{F(l.From202P99Ms, "0.00")} ms ({F(l.P99Ms, "0.00")} ms)", !l.IsVoid && l.From202P99Ms <= P99TargetMs));
        }
        var idle = alerts.Idle;
        checks.Add(new($"alerts: API memory ≤ {F(IdleKbTarget)} KB per idle connection ({F(idle.Connections)} open)",
            $"{F(idle.SteadyKbPerConnection, "0.0")} KB steady, {F(idle.PeakKbPerConnection, "0.0")} KB at peak{(idle.IsValid ? "" : NotValid(idle))}",
            idle.IsValid && idle.ClosedWhileIdle == 0 && idle.SteadyKbPerConnection <= IdleKbTarget && idle.PeakKbPerConnection <= IdleKbTarget));
        return checks;
    }

    public static string Markdown(AlertsResult alerts)
    {
        var md = new StringBuilder();
        md.AppendLine("Alerts over WebSocket");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"| Figure | {string.Join(" | ", alerts.Latency.Select(l => $"{F(l.TargetEventsPerSecond)} events/s, {F(l.Clients)} clients"))} | target |");
        md.AppendLine($"|---|{string.Concat(alerts.Latency.Select(_ => "---:|"))}---:|");
        Row(md, alerts, "Achieved events/s", l => F(l.AchievedEventsPerSecond));
        Row(md, alerts, "Alerts sent / received / missing", l => $"{F(l.Sent)} / {F(l.Received)} / {F(l.Missing)}{(l.IsVoid ? " **VOID**" : "")}", "missing 0");
        Row(md, alerts, "Latency due → frame, p50 ms", l => F(l.P50Ms, "0.00"), "");
        Row(md, alerts, "Latency due → frame, p99 ms", l => F(l.P99Ms, "0.00"), "");
        Row(md, alerts, "Latency due → frame, max ms", l => F(l.MaxMs, "0.00"));
        Row(md, alerts, "Latency 202 → frame, p50 ms", l => F(l.From202P50Ms, "0.00"), $"≤ {F(P50TargetMs)}");
        Row(md, alerts, "Latency 202 → frame, p99 ms", l => F(l.From202P99Ms, "0.00"), $"≤ {F(P99TargetMs)}");
        Row(md, alerts, "Latency 202 → frame, max ms", l => F(l.From202MaxMs, "0.00"));
        Row(md, alerts, "Ingest request p50 / p99 ms", l => $"{F(l.IngestP50Ms, "0.0")} / {F(l.IngestP99Ms, "0.0")}");
        Row(md, alerts, "Generator lag behind schedule p99 / max ms", l => $"{F(l.SendLagP99Ms, "0.0")} / {F(l.SendLagMaxMs, "0.0")}");
        Row(md, alerts, "Oldest transaction holding an xid, p99 / max ms (alerts wait for it)",
            l => $"{F(l.OldestTransactionP99Ms, "0.0")} / {F(l.OldestTransaction?.AgeMs ?? 0, "0.0")}");
        Row(md, alerts, "Duplicates / connections closed by the server", l => $"{F(l.Duplicates)} / {l.ClosedConnections.Count}");
        md.AppendLine();

        var idle = alerts.Idle;
        md.AppendLine(CultureInfo.InvariantCulture,
            $"| Idle connections: {F(idle.Connections)} ({F(idle.Users)} users × {idle.ConnectionsPerUser}, {F(idle.WalletsPerUser)} wallets each) | API | target |");
        md.AppendLine("|---|---:|---:|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Resident memory before, MB{(idle.GcInduced ? " (each steady figure after a full GC)" : " (no full GC could be induced)")} | {F(idle.ApiResidentBeforeMb, "0.0")} | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Resident memory with the connections open, MB (peak) | {F(idle.ApiResidentWithConnectionsMb, "0.0")} ({F(idle.ApiPeakWithConnectionsMb, "0.0")}) | |");
        md.AppendLine(CultureInfo.InvariantCulture,
            $"| Per idle connection, KB (at peak) | {F(idle.SteadyKbPerConnection, "0.0")} ({F(idle.PeakKbPerConnection, "0.0")}){(idle.IsValid ? "" : " **not valid**")} | ≤ {F(IdleKbTarget)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Resident memory after they closed, MB | {F(idle.ApiResidentAfterCloseMb, "0.0")} | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| CPU while idle, cores | {F(idle.ApiIdleCpuCores, "0.000")} | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Time to connect them all ({AlertConnectionsRun.ConnectingAtOnce} at once), s | {F(idle.ConnectSeconds, "0.0")} | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Closed by the server while idle | {idle.ClosedWhileIdle} | 0 |");
        return md.ToString();
    }

    private static string NotValid(AlertConnectionsResult idle) => idle.AfterLoad
        ? " — not valid after the webhook runs (their load grew the API's heap, whose free space absorbs the connections); ./bench.sh --only=alerts measures it"
        : " — not valid: the API's memory did not grow";

    private static void Row(StringBuilder md, AlertsResult alerts, string name, Func<AlertLatencyResult, string> value, string target = "") =>
        md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {string.Join(" | ", alerts.Latency.Select(value))} | {target} |");
}
