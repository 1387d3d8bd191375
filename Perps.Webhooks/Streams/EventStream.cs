namespace Perps.Webhooks.Streams;

/// <summary>
/// The Redis stream that carries accepted events from the API to the dispatchers. Each entry names one event
/// (its row in Postgres is the truth) and carries the trace context of the request that accepted it.
/// </summary>
public static class EventStream
{
    public const string Key = "perps:events";
    public const string ConsumerGroup = "dispatchers";
    public const string EventIdField = "event_id";
    public const string TraceParentField = "traceparent";
}
