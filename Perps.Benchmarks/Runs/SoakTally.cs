using Perps.Benchmarks.Infrastructure;
using Perps.Benchmarks.Setup;

namespace Perps.Benchmarks.Runs;

/// <summary>
/// The events of one soak minute, counted as their batches settle: a batch whose every event has been delivered is
/// measured and its arrival times dropped while the minute goes on, so judging the minute at its end leaves only the
/// events of its last moments to wait for. Judging a whole minute's events at once (300,000 at half load), in the
/// process that is also the receiver and the load generator, had made every minute's slowest event.
/// </summary>
internal sealed class SoakTally(SignatureCheckingReceiver receiver, HotGroup group)
{
    public ScheduledLatency Latency { get; } = new();

    /// <summary>How far each batch left behind its due time, ms (sorted by <see cref="Sorted"/>).</summary>
    public List<double> SendLagMs { get; } = [];

    /// <summary>How long each ingest request took to be answered, ms (sorted by <see cref="Sorted"/>).</summary>
    public List<double> IngestMs { get; } = [];

    /// <summary>Events counted before they had reached every webhook (the ledger looks for them again at the end).</summary>
    public List<string> NotDelivered { get; } = [];

    /// <summary>Counts the batches due before <paramref name="dueBefore"/> whose events have all been delivered, taking them out of <paramref name="waiting"/>.</summary>
    public void TakeDelivered(List<ScheduledBatch> waiting, long dueBefore)
    {
        var done = waiting.Where(b => b.DueAt < dueBefore && b.EventIds.All(Delivered)).ToList();
        if (done.Count > 0)
        {
            waiting.RemoveAll(done.ToHashSet<ScheduledBatch>(ReferenceEqualityComparer.Instance).Contains);
            Measure(done);
        }
    }

    /// <summary>Counts these batches whether or not their events have arrived: an event not arrived counts as missing.</summary>
    public void Count(List<ScheduledBatch> batches)
    {
        NotDelivered.AddRange(batches.SelectMany(b => b.EventIds).Where(id => !Delivered(id)));
        Measure(batches);
    }

    private void Measure(List<ScheduledBatch> batches)
    {
        Latency.Add(batches, receiver.TryGetArrival);
        SendLagMs.AddRange(ScheduledLatency.SendLagMs(batches));
        IngestMs.AddRange(ScheduledLatency.IngestMs(batches));
        receiver.ForgetArrivals(batches.SelectMany(b => b.EventIds));
    }

    /// <summary>Sorts every list the percentiles read; this tally, for chaining.</summary>
    public SoakTally Sorted()
    {
        Latency.Sorted();
        SendLagMs.Sort();
        IngestMs.Sort();
        return this;
    }

    private bool Delivered(string eventId) => group.Webhooks.All(w => receiver.HasDelivered(eventId, w.Id));
}
