using System.Diagnostics;
using Perps.Benchmarks.Infrastructure;
using Perps.Benchmarks.Reporting;
using Perps.Benchmarks.Setup;

namespace Perps.Benchmarks.Runs;

/// <summary>Counts, for a run's accepted events, the deliveries the receiver got, waiting a while for the last ones.</summary>
internal static class LedgerCount
{
    private static readonly TimeSpan RecheckEvery = TimeSpan.FromMilliseconds(100);

    public static async Task<LedgerLine> CountAsync(string run, SignatureCheckingReceiver receiver, HotGroup group,
        IReadOnlyCollection<string> acceptedEventIds, long ingestFailures, TimeSpan wait, CancellationToken ct)
    {
        var owedEvents = acceptedEventIds.Where(group.Owes).ToList();
        var owed = (long)owedEvents.Count * group.FanOut;
        var missing = await UndeliveredAfterAsync(receiver, group, owedEvents, wait, ct);
        return new LedgerLine(run, group.FanOut, acceptedEventIds.Count, owed, owed - missing, missing, receiver.Duplicates, ingestFailures);
    }

    /// <summary>The (event, webhook) pairs still undelivered once all have arrived or <paramref name="wait"/> has passed.</summary>
    public static async Task<long> UndeliveredAfterAsync(SignatureCheckingReceiver receiver, HotGroup group, IEnumerable<string> eventIds,
        TimeSpan wait, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        var notYet = eventIds.SelectMany(id => group.Webhooks.Select(w => (EventId: id, WebhookId: w.Id)))
            .Where(pair => !receiver.HasDelivered(pair.EventId, pair.WebhookId)).ToList();
        while (notYet.Count > 0 && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(RecheckEvery, ct);
            notYet.RemoveAll(pair => receiver.HasDelivered(pair.EventId, pair.WebhookId));
        }
        return notYet.Count;
    }
}
