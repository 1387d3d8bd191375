using Microsoft.Extensions.Options;
using Npgsql;
using Perps.Dispatcher.Health;
using Perps.Webhooks.Delivery;
using Perps.Webhooks.Lifecycle;
using Perps.Webhooks.Streams;
using Perps.Webhooks.Telemetry;
using StackExchange.Redis;

namespace Perps.Dispatcher.Pipeline;

/// <summary>
/// Reads accepted events from the Redis stream through the consumer group (so replicas share them) and runs their
/// fan-out (<see cref="FanOutRunner"/>): the first attempts go out before any delivery row is written. An entry stays
/// pending in the group until every delivery it led to is recorded, then it is acknowledged and deleted (the stream
/// stays short without dropping unfinished work): the pending entry is the first attempts' lease, renewed while they
/// are in flight. Entries left pending by a replica that died are reclaimed after
/// <see cref="DeliveryOptions.ClaimIdle"/> and fanned out again, minus the deliveries already recorded.
/// </summary>
internal sealed class EventStreamConsumer(
    IConnectionMultiplexer redis,
    FanOutRunner fanOutRunner,
    EventFanOut fanOut,
    DispatcherHeartbeat heartbeat,
    PerpsMetrics metrics,
    IOptions<DeliveryOptions> options,
    TimeProvider time,
    ILogger<EventStreamConsumer> logger) : BackgroundService
{
    private const int BatchSize = 256;

    /// <summary>The most events one fan-out takes (whole entries, so an entry of a larger request is one fan-out alone).</summary>
    private const int EventsPerFanOut = 512;
    private const int BlockMilliseconds = 1000;
    private const int BatchesInFlight = 4;

    /// <summary>How often a failing fan-out is tried before it is left to the reclaim, the pause growing each time (0.5, 1, 1.5 s).</summary>
    private const int FanOutAttempts = 3;
    private static readonly TimeSpan FanOutRetryDelay = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LagSampleInterval = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _batchSlots = new(BatchesInFlight);
    private readonly string _consumer = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Blocking reads hold their connection, so they get one of their own; everything else shares the app's.
        var blockingOptions = ConfigurationOptions.Parse(redis.Configuration);
        blockingOptions.AsyncTimeout = blockingOptions.SyncTimeout = BlockMilliseconds * 5;
        blockingOptions.AbortOnConnectFail = false;
        await using var blocking = await ConnectionMultiplexer.ConnectAsync(blockingOptions);
        var db = redis.GetDatabase();
        Log.Consuming(logger, EventStream.Key, _consumer, EventStream.ConsumerGroup);

        var nextReclaim = time.GetUtcNow();
        var nextRenewal = time.GetUtcNow();
        var nextLagSample = time.GetUtcNow();
        var groupReady = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            heartbeat.Beat(DispatcherHeartbeat.Stream);
            try
            {
                if (!groupReady)
                {
                    await EnsureGroupAsync(db);
                    groupReady = true;
                }
                if (time.GetUtcNow() >= nextReclaim)
                {
                    nextReclaim = time.GetUtcNow() + options.Value.ClaimIdle / 2;
                    var reclaimed = await db.StreamAutoClaimAsync(EventStream.Key, EventStream.ConsumerGroup, _consumer,
                        (long)options.Value.ClaimIdle.TotalMilliseconds, "0-0", BatchSize);
                    await ProcessAsync(db, reclaimed.ClaimedEntries, stoppingToken);
                }
                if (time.GetUtcNow() >= nextRenewal)
                {
                    nextRenewal = time.GetUtcNow() + options.Value.ClaimIdle / 3;
                    await RenewInProgressAsync(db, stoppingToken);
                }
                if (time.GetUtcNow() >= nextLagSample)
                {
                    nextLagSample = time.GetUtcNow() + LagSampleInterval;
                    await SampleLagAsync(db);
                }
                var entries = await ReadAsync(blocking.GetDatabase());
                if (entries.Length > 0)
                {
                    // The next read does not wait for this batch: a slow fan-out holds back its own entries only.
                    await _batchSlots.WaitAsync(stoppingToken);
                    _ = ProcessInBackgroundAsync(db, entries, stoppingToken);
                }
            }
            catch (RedisServerException ex) when (ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
            {
                groupReady = false; // Redis lost its data (restart without persistence): make the group again
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                Log.StreamReadFailed(logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }

        for (var i = 0; i < BatchesInFlight; i++)
        {
            await _batchSlots.WaitAsync(CancellationToken.None); // the batches in flight have finished
        }
    }

    private async Task ProcessInBackgroundAsync(IDatabase db, StreamEntry[] entries, CancellationToken stoppingToken)
    {
        try
        {
            await ProcessAsync(db, entries, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _batchSlots.Release();
        }
    }

    /// <summary>
    /// Fans the entries' events out, a few hundred events at a time. A fan-out that fails (Postgres busy or away) is
    /// tried again at once after a short pause, a few times, so a passing hiccup delays its events by a second, not by
    /// ClaimIdle; one that still fails leaves its entries pending, to be reclaimed after ClaimIdle.
    /// </summary>
    private async Task ProcessAsync(IDatabase db, StreamEntry[] entries, CancellationToken stoppingToken)
    {
        foreach (var ticket in Tickets(db, entries))
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await fanOutRunner.RunAsync(ticket, stoppingToken);
                    break;
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
                {
                    Log.FanOutFailed(logger, ex, ticket.EventIds.Count);
                    await Task.Delay(FanOutRetryDelay * attempt, stoppingToken);
                    if (attempt == FanOutAttempts)
                    {
                        break;
                    }
                }
            }
        }
    }

    /// <summary>The entries grouped into fan-outs of whole entries, each acknowledged once all its deliveries are recorded.</summary>
    private IEnumerable<FanOutTicket> Tickets(IDatabase db, StreamEntry[] entries)
    {
        var entryIds = new List<string>();
        var batchIds = new List<string>();
        var traceParents = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var eventIds = EventStream.EventIds(entry);
            if (traceParents.Count > 0 && traceParents.Count + eventIds.Length > EventsPerFanOut)
            {
                yield return NewTicket(db, entryIds, batchIds, traceParents);
                (entryIds, batchIds, traceParents) = ([], [], new(StringComparer.Ordinal));
            }
            entryIds.Add(entry.Id!);
            batchIds.AddRange(EventStream.BatchIds(entry));
            string? traceParent = entry[EventStream.TraceParentField];
            foreach (var eventId in eventIds)
            {
                traceParents[eventId] = traceParent;
            }
        }
        if (entryIds.Count > 0)
        {
            yield return NewTicket(db, entryIds, batchIds, traceParents);
        }
    }

    private FanOutTicket NewTicket(IDatabase db, List<string> entryIds, List<string> batchIds, Dictionary<string, string?> traceParents) =>
        new(entryIds, batchIds, traceParents) { OnRecorded = ticket => AcknowledgeAsync(db, ticket) };

    /// <summary>Every delivery of the ticket is recorded: its entries are done with.</summary>
    private async Task AcknowledgeAsync(IDatabase db, FanOutTicket ticket)
    {
        var ids = ticket.StreamEntryIds.Select(id => (RedisValue)id).ToArray();
        await Task.WhenAll(
            db.StreamAcknowledgeAsync(EventStream.Key, EventStream.ConsumerGroup, ids),
            db.StreamDeleteAsync(EventStream.Key, ids));
    }

    /// <summary>
    /// Renews the leases of fan-outs in progress (deliveries not all recorded): their entries are claimed again, which
    /// resets their idle time, and their batches are marked seen in Postgres, so that neither a reclaim nor the sweep
    /// of lost events sends their first attempts a second time, however long they wait for a slot or a slow receiver
    /// (or after Redis lost the entries).
    /// </summary>
    private async Task RenewInProgressAsync(IDatabase db, CancellationToken stoppingToken)
    {
        var inProgress = fanOutRunner.InProgress();
        if (inProgress.Count == 0)
        {
            return;
        }
        var ids = inProgress.SelectMany(t => t.StreamEntryIds).Select(id => (RedisValue)id).ToArray();
        try
        {
            await fanOut.SeenInProgressAsync(inProgress.SelectMany(t => t.BatchIds).ToList(), stoppingToken);
            if (ids.Length > 0)
            {
                await db.StreamClaimIdsOnlyAsync(EventStream.Key, EventStream.ConsumerGroup, _consumer, 0, ids);
            }
        }
        catch (Exception ex) when (ex is RedisException or NpgsqlException or TimeoutException)
        {
            Log.EntryRenewalFailed(logger, ex, inProgress.Count);
        }
    }

    /// <summary>XREADGROUP … BLOCK: waits on the server for new entries instead of polling.</summary>
    private async Task<StreamEntry[]> ReadAsync(IDatabase blocking)
    {
        var result = await blocking.ExecuteAsync("XREADGROUP", "GROUP", EventStream.ConsumerGroup, _consumer,
            "COUNT", BatchSize, "BLOCK", BlockMilliseconds, "STREAMS", EventStream.Key, ">");
        if (result.IsNull)
        {
            return [];
        }
        var stream = (RedisResult[])((RedisResult[])result!)[0]!;
        var entries = (RedisResult[])stream[1]!;
        return entries.Select(raw =>
        {
            var parts = (RedisResult[])raw!;
            var fields = (RedisResult[])parts[1]!;
            var values = new NameValueEntry[fields.Length / 2];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = new NameValueEntry((string?)fields[2 * i], (string?)fields[2 * i + 1]);
            }
            return new StreamEntry((string?)parts[0], values);
        }).ToArray();
    }

    /// <summary>How far the group is behind (entries not yet read) and how much it holds unacknowledged.</summary>
    private async Task SampleLagAsync(IDatabase db)
    {
        var group = (await db.StreamGroupInfoAsync(EventStream.Key))
            .FirstOrDefault(g => g.Name == EventStream.ConsumerGroup);
        metrics.StreamObserved(group.Lag ?? 0, group.PendingMessageCount);
    }

    private async Task EnsureGroupAsync(IDatabase db)
    {
        try
        {
            // From "0": entries added before the group existed are processed too.
            await db.StreamCreateConsumerGroupAsync(EventStream.Key, EventStream.ConsumerGroup, "0-0", createStream: true);
            Log.CreatedGroup(logger, EventStream.ConsumerGroup, EventStream.Key);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
        }
    }
}
