using Perps.Webhooks.Streams;
using StackExchange.Redis;

namespace Perps.Api.Data;

/// <summary>Hands stored events to the dispatchers through the Redis stream: one entry per request, with its trace context.</summary>
internal sealed class EventQueue(IConnectionMultiplexer redis)
{
    public Task EnqueueAsync(string batchId, IReadOnlyList<string> eventIds) => EventStream.AddAsync(redis.GetDatabase(), batchId, eventIds);
}
