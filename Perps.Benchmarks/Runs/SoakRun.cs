using System.Collections.Concurrent;
using System.Diagnostics;
using Perps.Benchmarks.Infrastructure;
using Perps.Benchmarks.Reporting;
using Perps.Benchmarks.Setup;

namespace Perps.Benchmarks.Runs;

/// <summary>
/// One minute of a soak: deliveries the receiver got per second; the latency, from the scheduled send time, of the
/// events due in that minute (one that had not arrived when the minute was judged counts as endless); resident
/// memory of the API and of each dispatcher replica; and the backlog at the minute's end.
/// </summary>
internal sealed record SoakMinute(
    int Minute,
    double DeliveriesPerSecond,
    long Events,
    long NotArrived,
    double P50Ms,
    double P99Ms,
    double MaxMs,
    double ApiMb,
    IReadOnlyList<double> DispatcherMb,
    long StreamLength,
    long PendingRetries)
{
    /// <summary>Where the p99 came from: the generator behind its schedule, the ingest request, and 202 → received (each its own p99, ms).</summary>
    public double SendLagP99Ms { get; init; }

    public double IngestP99Ms { get; init; }

    public double From202P99Ms { get; init; }

    /// <summary>When the minute's slowest event was due (local time), to match a bad minute against the services' and Postgres's logs.</summary>
    public DateTimeOffset? SlowestDueAt { get; init; }

    /// <summary>The moments the machine stood still that were noticed in this minute (<see cref="PauseWatch"/>).</summary>
    public IReadOnlyList<Pause> Pauses { get; init; } = [];
}

/// <summary>
/// A steady open-loop load (<see cref="ScheduledIngest"/>) for a long time, judged a minute at a time while it goes
/// on. Each second the batches delivered in full are counted into their minute (<see cref="SoakTally"/>) and their
/// arrival times dropped, so the benchmark's own memory stays flat however long the soak and judging a minute is
/// little work; the events still missing are checked again at the end, for the ledger.
/// </summary>
internal static class SoakRun
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ArrivalWait = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LedgerWait = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SettleEvery = TimeSpan.FromSeconds(1);

    public static async Task<(List<SoakMinute> Minutes, LedgerLine Ledger)> RunAsync(BenchSession session, HotGroup group,
        double eventsPerSecond, TimeSpan length, int batch, Action<SoakMinute> report, CancellationToken ct)
    {
        var receiver = session.Receiver;
        using var client = session.App.CreateIngestClient();
        await using var backlog = await BacklogProbe.ConnectAsync(session.App);
        receiver.Reset();
        var ingest = new ScheduledIngest(client, session.Feed, group.Wallets, batch);
        var start = Stopwatch.GetTimestamp();
        var end = start + Ticks(length);
        var sending = ingest.SendAsync(eventsPerSecond, start, end, ct);

        var minutes = new List<SoakMinute>();
        var waiting = new List<ScheduledBatch>(); // accepted, not counted yet
        var stillMissing = new List<string>();
        long accepted = 0, delivered = 0, receivedBefore = 0;
        var (processes, markBefore, pausesBefore) = (session.Processes, start, session.Pauses.Seen().Count);
        var count = (int)Math.Ceiling(length / Minute);
        for (var minute = 1; minute <= count; minute++)
        {
            var mark = Math.Min(end, start + minute * Ticks(Minute));
            var tally = new SoakTally(receiver, group);
            while (Stopwatch.GetTimestamp() is var ticks && ticks < mark)
            {
                var left = Stopwatch.GetElapsedTime(ticks, mark);
                await Task.Delay(left < SettleEvery ? left : SettleEvery, ct);
                Take(ingest.Accepted, waiting);
                tally.TakeDelivered(waiting, mark);
            }
            // Read at the mark: this minute's deliveries, the memory and the backlog now.
            var readAt = Stopwatch.GetTimestamp();
            var received = receiver.Received;
            var deliveriesPerSecond = (received - receivedBefore) / (Stats.Milliseconds(markBefore, readAt) / 1000);
            var api = processes.Where(p => p.Role == "api").Sum(ProcessProbe.ResidentBytes);
            var dispatchers = processes.Where(p => p.Role == "dispatcher").OrderBy(p => p.Pid).Select(p => Mb(ProcessProbe.ResidentBytes(p))).ToList();
            var now = await backlog.ReadAsync(ct);
            (receivedBefore, markBefore) = (received, readAt);

            if (minute == count)
            {
                await sending;
                await ingest.AnsweredAsync(ct);
            }
            // The rest of the batches due in this minute (one answered after its minute was judged is judged with
            // the next): those still out are waited for, then counted as they are.
            Take(ingest.Accepted, waiting);
            tally.TakeDelivered(waiting, mark);
            var due = waiting.Where(b => b.DueAt < mark).ToList();
            waiting.RemoveAll(b => b.DueAt < mark);
            await ScheduledLatency.WaitForArrivalsAsync(due.SelectMany(b => b.EventIds), receiver.TryGetArrival, ArrivalWait, ct);
            tally.Count(due);

            var (latency, notYet) = (tally.Sorted().Latency, tally.NotDelivered);
            stillMissing.AddRange(notYet);
            accepted += latency.Events;
            delivered += (latency.Events - notYet.Count) * group.FanOut;

            var at = new SoakMinute(minute, Math.Round(deliveriesPerSecond), latency.Events, latency.Missing,
                Percentile(latency, 50), Percentile(latency, 99), Percentile(latency, 100), Mb(api), dispatchers, now.StreamLength, now.PendingRetries)
            {
                SendLagP99Ms = ScheduledLatency.Round(Stats.Percentile(tally.SendLagMs, 99)),
                IngestP99Ms = ScheduledLatency.Round(Stats.Percentile(tally.IngestMs, 99)),
                From202P99Ms = ScheduledLatency.Round(Stats.Percentile(latency.From202Ms, 99)),
                SlowestDueAt = latency.Samples.Count == 0 ? null : WallClock(latency.Samples.MaxBy(s => s.FromDueMs).DueAt),
                Pauses = [.. session.Pauses.Seen().Skip(pausesBefore)],
            };
            pausesBefore += at.Pauses.Count;
            minutes.Add(at);
            report(at);
        }

        // What had not arrived when its minute was judged may have come since: the ledger counts it now.
        delivered += (long)stillMissing.Count * group.FanOut - await LedgerCount.UndeliveredAfterAsync(receiver, group, stillMissing, LedgerWait, ct);
        var owed = accepted * group.FanOut;
        return (minutes, new LedgerLine("soak", group.FanOut, accepted, owed, delivered, owed - delivered, receiver.Duplicates, ingest.Failed.Count));
    }

    /// <summary>A percentile from the due time with every event not yet arrived counted as endless, so a loss cannot flatter it.</summary>
    private static double Percentile(ScheduledLatency latency, double percentile)
    {
        if (latency.Events == 0)
        {
            return double.NaN;
        }
        var rank = (int)Math.Clamp(Math.Ceiling(percentile / 100 * latency.Events), 1, latency.Events);
        return rank > latency.FromDueMs.Count ? double.PositiveInfinity : ScheduledLatency.Round(latency.FromDueMs[rank - 1]);
    }

    private static void Take(ConcurrentQueue<ScheduledBatch> accepted, List<ScheduledBatch> waiting)
    {
        while (accepted.TryDequeue(out var batch))
        {
            waiting.Add(batch);
        }
    }

    private static DateTimeOffset WallClock(long timestamp) => DateTimeOffset.Now - Stopwatch.GetElapsedTime(timestamp);

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private static double Mb(double bytes) => Math.Round(bytes / 1048576.0);
}
