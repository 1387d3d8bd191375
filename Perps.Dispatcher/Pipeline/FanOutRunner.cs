using System.Collections.Concurrent;
using Perps.Webhooks.Delivery;
using Perps.Webhooks.Lifecycle;

namespace Perps.Dispatcher.Pipeline;

/// <summary>
/// Runs one fan-out: finds the deliveries its events owe (<see cref="EventFanOut"/>) and sends the first attempts
/// before any delivery row exists; each is written once, with its outcome, by the <see cref="RecordQueue"/>.
/// Deliveries of webhooks disabled automatically are recorded as skipped, and first attempts beyond
/// <see cref="SendLimit"/> as due now, for the scheduler. It knows which fan-outs are still in progress, so their
/// leases can be renewed.
/// </summary>
internal sealed class FanOutRunner(EventFanOut fanOut, DeliveryWorker worker, RecordQueue records)
{
    /// <summary>The most first attempts one fan-out sends itself: the rest are recorded due now, and claimed from Postgres.</summary>
    public const int SendLimit = 4096;

    private readonly ConcurrentDictionary<FanOutTicket, byte> _inProgress = new();

    /// <summary>The fan-outs whose deliveries are not all recorded yet.</summary>
    public IReadOnlyList<FanOutTicket> InProgress()
    {
        foreach (var ticket in _inProgress.Keys.Where(t => t.IsReleased))
        {
            _inProgress.TryRemove(ticket, out _);
        }
        return _inProgress.Keys.ToList();
    }

    /// <summary>
    /// Returns once the first attempts are queued for sending (the back-pressure on reading more work). Throws when
    /// the fan-out could not be read: its events are then left to a later attempt.
    /// </summary>
    public async Task RunAsync(FanOutTicket ticket, CancellationToken cancellationToken)
    {
        var owed = await fanOut.MatchAsync(ticket, cancellationToken);
        _inProgress[ticket] = 0;
        ticket.Expect(owed.Count);
        if (owed.Count == 0)
        {
            records.Release(ticket);
            return;
        }

        var send = new List<DeliveryJob>(Math.Min(owed.Count, SendLimit));
        foreach (var (job, active) in owed)
        {
            if (!active)
            {
                records.Add(AttemptRecord.NotAttempted(job, DeliveryStatus.Skipped, null, DeliveryStatus.Notes.SkippedWhileDisabled));
            }
            else if (send.Count < SendLimit)
            {
                send.Add(job);
            }
            else
            {
                records.Add(AttemptRecord.NotAttempted(job, DeliveryStatus.Pending, TimeSpan.Zero));
            }
        }
        await worker.DispatchAsync(send, cancellationToken);
    }
}
