using System.Diagnostics;
using StackExchange.Redis;

namespace Perps.Webhooks.Streams;

/// <summary>
/// The Redis stream that carries accepted events from the API to the dispatchers. Each entry names the events one
/// request stored (their rows in Postgres are the truth) and carries the trace context of that request.
/// </summary>
public static class EventStream
{
    public const string Key = "perps:events";
    public const string ConsumerGroup = "dispatchers";

    /// <summary>The event ids, comma-separated (event ids hold no comma).</summary>
    public const string EventIdsField = "event_ids";

    /// <summary>One event id: entries written before one entry carried a whole request.</summary>
    public const string EventIdField = "event_id";

    public const string TraceParentField = "traceparent";

    public static string JoinIds(IEnumerable<string> eventIds) => string.Join(',', eventIds);

    /// <summary>Hands stored events to the dispatchers: one entry naming them all, with the current trace context.</summary>
    public static Task AddAsync(IDatabase db, IReadOnlyList<string> eventIds)
    {
        var ids = new NameValueEntry(EventIdsField, JoinIds(eventIds));
        return db.StreamAddAsync(Key, Activity.Current?.Id is { } traceParent ? [ids, new NameValueEntry(TraceParentField, traceParent)] : [ids]);
    }

    /// <summary>The event ids an entry names, whichever field it uses.</summary>
    public static string[] EventIds(string? eventIds, string? eventId) =>
        !string.IsNullOrEmpty(eventIds) ? eventIds.Split(',', StringSplitOptions.RemoveEmptyEntries)
        : !string.IsNullOrEmpty(eventId) ? [eventId]
        : [];
}
