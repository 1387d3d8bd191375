using System.Diagnostics;
using StackExchange.Redis;

namespace Perps.Webhooks.Streams;

/// <summary>
/// The Redis stream that carries accepted events from the API to the dispatchers. Each entry names the events one
/// request stored and the batch they await fan-out in (their rows in Postgres are the truth), and carries the trace
/// context of that request.
/// </summary>
public static class EventStream
{
    public const string Key = "perps:events";
    public const string ConsumerGroup = "dispatchers";

    /// <summary>The event ids, comma-separated (event ids hold no comma).</summary>
    public const string EventIdsField = "event_ids";

    /// <summary>One event id: entries written before one entry carried a whole request.</summary>
    public const string EventIdField = "event_id";

    /// <summary>The batch the events await fan-out in (<c>fan_out_awaiting.batch_id</c>).</summary>
    public const string BatchField = "batch";

    public const string TraceParentField = "traceparent";

    /// <summary>
    /// Hands stored events to the dispatchers: one entry naming them all and their batch, with the current trace
    /// context. Without a batch, each event is a batch of its own (its id is the batch id).
    /// </summary>
    public static Task AddAsync(IDatabase db, string? batchId, IReadOnlyList<string> eventIds)
    {
        List<NameValueEntry> fields = [new(EventIdsField, string.Join(',', eventIds))];
        if (batchId is not null)
        {
            fields.Add(new(BatchField, batchId));
        }
        if (Activity.Current?.Id is { } traceParent)
        {
            fields.Add(new(TraceParentField, traceParent));
        }
        return db.StreamAddAsync(Key, [.. fields]);
    }

    /// <summary>The event ids an entry names, whichever field it uses.</summary>
    public static string[] EventIds(StreamEntry entry) =>
        entry[EventIdsField] is { IsNullOrEmpty: false } eventIds ? ((string)eventIds!).Split(',', StringSplitOptions.RemoveEmptyEntries)
        : entry[EventIdField] is { IsNullOrEmpty: false } eventId ? [(string)eventId!]
        : [];

    /// <summary>
    /// The batches an entry's events await fan-out in: its batch, or, for an entry without one (a
    /// <c>webhook.disabled</c> notice, or an entry from before batches), each event's own.
    /// </summary>
    public static string[] BatchIds(StreamEntry entry) =>
        entry[BatchField] is { IsNullOrEmpty: false } batchId ? [(string)batchId!] : EventIds(entry);
}
