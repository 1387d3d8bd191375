using System.Diagnostics;
using Perps.Webhooks.Streams;
using StackExchange.Redis;

namespace Perps.Api.Data;

/// <summary>Hands stored events to the dispatchers through the Redis stream, with the request's trace context.</summary>
internal sealed class EventQueue(IConnectionMultiplexer redis)
{
    public async Task EnqueueAsync(IReadOnlyList<string> eventIds)
    {
        var database = redis.GetDatabase();
        var traceParent = Activity.Current?.Id;
        var sends = eventIds.Select(id => database.StreamAddAsync(EventStream.Key,
            traceParent is null
                ? [new(EventStream.EventIdField, id)]
                : [new(EventStream.EventIdField, id), new NameValueEntry(EventStream.TraceParentField, traceParent)]));
        await Task.WhenAll(sends); // pipelined on one connection: one round trip's worth of latency
    }
}
