using System.Diagnostics;
using Perps.Webhooks.Streams;
using StackExchange.Redis;

namespace Perps.Api.Data;

/// <summary>Hands stored events to the dispatchers through the Redis stream: one entry per request, with its trace context.</summary>
internal sealed class EventQueue(IConnectionMultiplexer redis)
{
    public async Task EnqueueAsync(IReadOnlyList<string> eventIds)
    {
        var ids = new NameValueEntry(EventStream.EventIdsField, EventStream.JoinIds(eventIds));
        await redis.GetDatabase().StreamAddAsync(EventStream.Key, Activity.Current?.Id is { } traceParent
            ? [ids, new NameValueEntry(EventStream.TraceParentField, traceParent)]
            : [ids]);
    }
}
