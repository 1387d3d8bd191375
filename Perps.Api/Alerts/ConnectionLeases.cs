using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Perps.Api.Alerts;

/// <summary>
/// The per-key connection limit across every API replica: each open connection holds a lease in a Redis sorted
/// set per key (scored by expiry, renewed by its replica), so a replica that dies frees its leases within
/// <see cref="LeaseTime"/>. While Redis cannot answer, each replica holds its own connections to the limit.
/// </summary>
internal sealed partial class ConnectionLeases(IConnectionMultiplexer redis, IOptions<AlertOptions> options, TimeProvider time, ILogger<ConnectionLeases> logger)
    : BackgroundService
{
    private static readonly TimeSpan LeaseTime = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(10);

    // KEYS[1] the key's leases; ARGV: now (ms), limit, connection id, expiry (ms), the set's own time to live (ms).
    private const string AcquireScript = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
        if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
        redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        return 1
        """;

    private readonly ConcurrentDictionary<string, HashSet<string>> _held = new(StringComparer.Ordinal);

    /// <summary>What a client over the limit is told, on a 429 or in an error frame.</summary>
    public string LimitReached => $"This API key has {options.Value.MaxConnectionsPerKey} open alert connections, the most it may have; close one first.";

    public async Task<bool> TryAcquireAsync(string apiKeyId, string connectionId)
    {
        var limit = options.Value.MaxConnectionsPerKey;
        var held = _held.GetOrAdd(apiKeyId, _ => []);
        lock (held)
        {
            if (held.Count >= limit)
            {
                return false;
            }
            held.Add(connectionId);
        }
        try
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var granted = (long)await redis.GetDatabase().ScriptEvaluateAsync(AcquireScript, [Key(apiKeyId)],
                [now, limit, connectionId, now + (long)LeaseTime.TotalMilliseconds, (long)LeaseTime.TotalMilliseconds]) == 1;
            if (!granted)
            {
                Forget(apiKeyId, connectionId);
            }
            return granted;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogLeasesUnavailable(logger, ex);
            return true; // this replica's own count held
        }
    }

    public void Release(string apiKeyId, string connectionId)
    {
        Forget(apiKeyId, connectionId);
        try
        {
            redis.GetDatabase().SortedSetRemove(Key(apiKeyId), connectionId, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The lease runs out on its own.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RenewEvery, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var expiry = time.GetUtcNow().ToUnixTimeMilliseconds() + (long)LeaseTime.TotalMilliseconds;
            var database = redis.GetDatabase();
            foreach (var (apiKeyId, held) in _held)
            {
                SortedSetEntry[] leases;
                lock (held)
                {
                    leases = held.Select(id => new SortedSetEntry(id, expiry)).ToArray();
                }
                if (leases.Length == 0)
                {
                    continue;
                }
                try
                {
                    await database.SortedSetAddAsync(Key(apiKeyId), leases);
                    await database.KeyExpireAsync(Key(apiKeyId), LeaseTime);
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    LogLeasesUnavailable(logger, ex);
                    break;
                }
            }
        }
    }

    private void Forget(string apiKeyId, string connectionId)
    {
        if (_held.TryGetValue(apiKeyId, out var held))
        {
            lock (held)
            {
                held.Remove(connectionId);
            }
        }
    }

    private static RedisKey Key(string apiKeyId) => $"perps:alerts:connections:{apiKeyId}";

    [LoggerMessage(1003, LogLevel.Warning, "Redis did not answer for the alert connection leases; each replica limits its own connections meanwhile")]
    private static partial void LogLeasesUnavailable(ILogger logger, Exception exception);
}
