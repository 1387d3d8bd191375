using Perps.Webhooks.Delivery;
using StackExchange.Redis;

namespace Perps.Dispatcher.Pipeline;

/// <summary>When a delivery to a throttled endpoint may go: now or after a short hold, or handed back to Postgres, due later.</summary>
/// <param name="Held">A slot is reserved <paramref name="Wait"/> from now: the job waits in memory (no send slot) and goes then.</param>
internal sealed record ThrottleDecision(DeliveryJob Job, TimeSpan Wait, bool Held);

/// <summary>
/// Per-endpoint throttling shared by every dispatcher replica: a rate limit (<c>rate_limit</c> deliveries per second)
/// and a pause (a 429 with Retry-After, read from the webhook as <see cref="DeliveryJob.PausedUntil"/>). The budget
/// lives in Redis, one script call per endpoint per batch, on Redis's clock: the theoretical arrival time of the next
/// free slot (GCRA with no burst: sends at least 1/N s apart, so at most N in any second). A job whose slot is within
/// <see cref="MaxHold"/> is reserved and held; the rest are not reserved but handed back to Postgres due at the slot
/// they would get, in order, and a "tail" remembers the last slot promised so: fresh deliveries queue behind the ones
/// already handed back, which (claimed when due) take the next free slots. A held job keeps its lease: a fan-out's
/// stream entry is renewed while its deliveries are unrecorded, and a claimed attempt renews its lease before it is
/// sent if it waited long; nothing waits long enough for either to be taken over.
/// </summary>
internal sealed class EndpointThrottle(IConnectionMultiplexer redis)
{
    /// <summary>The longest a reserved job waits in memory; later slots are handed back to Postgres.</summary>
    public static readonly TimeSpan MaxHold = TimeSpan.FromSeconds(2);

    // KEYS: the endpoint's next free slot (ms), its tail. ARGV: interval (ms), hold (ms), count, paused until (ms), fresh (1/0).
    // Returns the waits (ms) of the reserved jobs, then the wait of the first one not reserved.
    private const string Script = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local interval = tonumber(ARGV[1])
        local hold = tonumber(ARGV[2])
        local count = tonumber(ARGV[3])
        local start = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now, tonumber(ARGV[4]))
        local tail = tonumber(redis.call('GET', KEYS[2]) or '0')
        if ARGV[5] == '1' then start = math.max(start, tail) end
        local waits = {}
        while #waits < count and start - now <= hold do
          waits[#waits + 1] = start - now
          start = start + interval
        end
        if #waits > 0 and interval > 0 then
          redis.call('SET', KEYS[1], tostring(start), 'PX', math.ceil(start - now) + 60000)
        end
        local promised = start + (count - #waits) * interval
        if count > #waits and promised > tail then
          redis.call('SET', KEYS[2], tostring(promised), 'PX', math.ceil(promised - now) + 60000)
        end
        waits[#waits + 1] = start - now
        return waits
        """;

    public async Task<List<ThrottleDecision>> DecideAsync(IReadOnlyList<DeliveryJob> jobs)
    {
        var db = redis.GetDatabase();
        var endpoints = await Task.WhenAll(jobs
            .GroupBy(j => (j.WebhookId, j.IsStored))
            .Select(endpoint => DecideAsync(db, endpoint.OrderBy(j => j.EventStoredAt).ToList())));
        return endpoints.SelectMany(d => d).ToList();
    }

    private static async Task<List<ThrottleDecision>> DecideAsync(IDatabase db, List<DeliveryJob> jobs)
    {
        var first = jobs[0];
        var interval = first.RateLimit is { } perSecond ? 1000.0 / perSecond : 0;
        var key = $"perps:throttle:{{{first.WebhookId}}}";
        var result = (long[])(await db.ScriptEvaluateAsync(Script, [key + ":next", key + ":tail"],
            [interval, MaxHold.TotalMilliseconds, jobs.Count, first.PausedUntil?.ToUnixTimeMilliseconds() ?? 0, first.IsStored ? 0 : 1]))!;
        var reserved = result.Length - 1;
        var decisions = new List<ThrottleDecision>(jobs.Count);
        for (var i = 0; i < jobs.Count; i++)
        {
            decisions.Add(i < reserved
                ? new ThrottleDecision(jobs[i], TimeSpan.FromMilliseconds(result[i]), Held: true)
                : new ThrottleDecision(jobs[i], TimeSpan.FromMilliseconds(result[reserved] + (i - reserved) * interval), Held: false));
        }
        return decisions;
    }
}
