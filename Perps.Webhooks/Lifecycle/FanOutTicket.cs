namespace Perps.Webhooks.Lifecycle;

/// <summary>
/// One fan-out of a group of events, from its stream entries (none for batches swept from Postgres) until every
/// delivery it made is recorded. Then its batches leave <c>fan_out_awaiting</c> and its entries are acknowledged:
/// until that moment the pending stream entries are the lease of its first attempts, and a replica that died holding
/// them has them reclaimed and fanned out again, minus the deliveries already recorded.
/// </summary>
public sealed class FanOutTicket(
    IReadOnlyList<string> streamEntryIds, IReadOnlyList<string> batchIds, IReadOnlyDictionary<string, string?> traceParentByEvent)
{
    private int _outstanding;

    public IReadOnlyList<string> StreamEntryIds { get; } = streamEntryIds;

    /// <summary>The rows of <c>fan_out_awaiting</c> whose events this fan-out takes.</summary>
    public IReadOnlyList<string> BatchIds { get; } = batchIds;

    public IReadOnlyCollection<string> EventIds => (IReadOnlyCollection<string>)traceParentByEvent.Keys;

    /// <summary>Called once the ticket's deliveries and its release from <c>fan_out_awaiting</c> are committed.</summary>
    public Func<FanOutTicket, Task>? OnRecorded { get; init; }

    /// <summary>The trace of the request that accepted the event (none for events swept from Postgres).</summary>
    public string? TraceParentOf(string eventId) => traceParentByEvent.GetValueOrDefault(eventId);

    /// <summary>Sets how many deliveries must be recorded; before any is handed on.</summary>
    public void Expect(int deliveries) => Volatile.Write(ref _outstanding, deliveries);

    /// <summary>Whether its deliveries are all recorded and its events released.</summary>
    public bool IsReleased { get; private set; }

    /// <summary>Marks the ticket released, once its release is committed.</summary>
    public void Released() => IsReleased = true;

    /// <summary>Counts <paramref name="deliveries"/> as recorded; true for the call that recorded the last.</summary>
    public bool Recorded(int deliveries) => Interlocked.Add(ref _outstanding, -deliveries) == 0;
}
