using System.Diagnostics;

namespace Perps.Benchmarks.Runs;

/// <summary>Where an event's arrival is noted: the webhook receiver's first arrival of it, or an alert client's frame.</summary>
internal delegate bool ArrivalLookup(string eventId, out long arrivedTicks);

/// <summary>
/// The latencies of scheduled batches' events (<see cref="ScheduledIngest"/>): from the batch's due time to the
/// event's arrival (the measure the targets are judged by), and from the batch's 202. An event can arrive before its
/// 202 is read (the API queues it before answering): that counts as 0 ms from the 202, and how often is reported.
/// A long run adds batches as they settle (<see cref="Add"/>) and sorts once when it reads the figures (<see cref="Sorted"/>).
/// </summary>
internal sealed class ScheduledLatency
{
    /// <summary>Milliseconds from the due time, sorted once <see cref="Sorted"/> has been called.</summary>
    public List<double> FromDueMs { get; } = [];

    /// <summary>Milliseconds from the 202 (never below 0), sorted once <see cref="Sorted"/> has been called.</summary>
    public List<double> From202Ms { get; } = [];

    /// <summary>Each arrived event's due time and its latency from it, in no order (for figures per second or minute).</summary>
    public List<(long DueAt, double FromDueMs)> Samples { get; } = [];

    public long Events { get; private set; }

    public long Missing { get; private set; }

    public long ArrivedBefore202 { get; private set; }

    public double P50 => Round(Stats.Percentile(FromDueMs, 50));

    public double P99 => Round(Stats.Percentile(FromDueMs, 99));

    public double Max => Round(FromDueMs.LastOrDefault());

    public static ScheduledLatency Of(IEnumerable<ScheduledBatch> batches, ArrivalLookup arrival)
    {
        var latency = new ScheduledLatency();
        latency.Add(batches, arrival);
        return latency.Sorted();
    }

    /// <summary>Counts these batches' events; one not arrived counts as missing.</summary>
    public void Add(IEnumerable<ScheduledBatch> batches, ArrivalLookup arrival)
    {
        foreach (var (ids, dueAt, _, acceptedAt) in batches)
        {
            foreach (var id in ids)
            {
                Events++;
                if (!arrival(id, out var arrived))
                {
                    Missing++;
                    continue;
                }
                var from202 = Stats.Milliseconds(acceptedAt, arrived);
                ArrivedBefore202 += from202 < 0 ? 1 : 0;
                From202Ms.Add(Math.Max(0, from202));
                FromDueMs.Add(Stats.Milliseconds(dueAt, arrived));
                Samples.Add((dueAt, FromDueMs[^1]));
            }
        }
    }

    /// <summary>Sorts the latencies, which the percentiles read; this tally, for chaining.</summary>
    public ScheduledLatency Sorted()
    {
        FromDueMs.Sort();
        From202Ms.Sort();
        return this;
    }

    /// <summary>Waits until every event has arrived or <paramref name="wait"/> passes, looking again only at those still out.</summary>
    public static async Task WaitForArrivalsAsync(IEnumerable<string> eventIds, ArrivalLookup arrival, TimeSpan wait, CancellationToken ct)
    {
        var notYet = eventIds.Where(id => !arrival(id, out _)).ToList();
        var deadline = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        while (notYet.Count > 0 && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(20, ct);
            notYet.RemoveAll(id => arrival(id, out _));
        }
    }

    /// <summary>How far each batch left behind its due time (the generator's own lag), ms, sorted.</summary>
    public static List<double> SendLagMs(IEnumerable<ScheduledBatch> batches) =>
        batches.Select(b => Stats.Milliseconds(b.DueAt, b.SentAt)).Order().ToList();

    /// <summary>How long each ingest request took to be answered, ms, sorted.</summary>
    public static List<double> IngestMs(IEnumerable<ScheduledBatch> batches) =>
        batches.Select(b => Stats.Milliseconds(b.SentAt, b.AcceptedAt)).Order().ToList();

    /// <summary>The median latency from the due time of the events due in each second from <paramref name="from"/>.</summary>
    public List<double> P50BySecond(long from) => PercentileBySecond(from, 50);

    /// <summary>The p99 of the events due in each second from <paramref name="from"/>: one stall shows as one bad second.</summary>
    public List<double> P99BySecond(long from) => PercentileBySecond(from, 99);

    private List<double> PercentileBySecond(long from, double percentile) =>
        Samples.GroupBy(s => (s.DueAt - from) / Stopwatch.Frequency).OrderBy(g => g.Key)
            .Select(g => Round(Stats.Percentile([.. g.Select(s => s.FromDueMs).Order()], percentile))).ToList();

    public static double Round(double ms) => Math.Round(ms, 2);
}
