using Microsoft.Extensions.Options;
using Npgsql;
using Perps.Dispatcher.Health;
using Perps.Dispatcher.Storage;
using Perps.Webhooks.Delivery;
using Perps.Webhooks.Streams;
using Perps.Webhooks.Telemetry;
using StackExchange.Redis;

namespace Perps.Dispatcher.Pipeline;

/// <summary>
/// Reads accepted events from the Redis stream through the consumer group (so replicas share them), fans each out
/// to its deliveries in Postgres, acknowledges and deletes the entries (the stream stays short without dropping
/// unprocessed work), and hands the first attempts to the <see cref="DeliveryWorker"/>. Entries left pending by a
/// replica that died are reclaimed after <see cref="DeliveryOptions.ClaimIdle"/>.
/// </summary>
internal sealed class EventStreamConsumer(
    IConnectionMultiplexer redis,
    DispatchStore store,
    DeliveryWorker worker,
    DispatcherHeartbeat heartbeat,
    PerpsMetrics metrics,
    IOptions<DeliveryOptions> options,
    TimeProvider time,
    ILogger<EventStreamConsumer> logger) : BackgroundService
{
    private const int BatchSize = 256;
    private const int BlockMilliseconds = 1000;
    private const int BatchesInFlight = 4;
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
        var nextLagSample = time.GetUtcNow();
        var groupReady = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            heartbeat.Beat("stream");
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
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Fanned out but not acknowledged: the entries are reclaimed after ClaimIdle and then yield nothing new.
            Log.AcknowledgeFailed(logger, ex, entries.Length);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _batchSlots.Release();
        }
    }

    /// <summary>Fans the entries' events out; acknowledges only once the deliveries are committed.</summary>
    private async Task ProcessAsync(IDatabase db, StreamEntry[] entries, CancellationToken stoppingToken)
    {
        if (entries.Length == 0)
        {
            return;
        }
        var traceParents = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (entry[EventStream.EventIdField] is { IsNullOrEmpty: false } eventId)
            {
                traceParents[eventId!] = entry[EventStream.TraceParentField];
            }
        }

        List<(DeliveryJob Job, string EventId)> fannedOut;
        try
        {
            fannedOut = await store.FanOutAsync(traceParents.Keys, stoppingToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // Not acknowledged: the entries stay pending and are reclaimed after ClaimIdle.
            Log.FanOutFailed(logger, ex, traceParents.Count);
            await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            return;
        }

        // The deliveries are committed, so the entries are done with: acknowledged while the first attempts go out,
        // neither waiting for the other (a busy worker holds back dispatching, not the acknowledgement).
        var ids = entries.Select(e => e.Id).ToArray();
        var acknowledging = Task.WhenAll(
            db.StreamAcknowledgeAsync(EventStream.Key, EventStream.ConsumerGroup, ids),
            db.StreamDeleteAsync(EventStream.Key, ids));
        try
        {
            var jobs = fannedOut.Select(f => f.Job with { TraceParent = traceParents[f.EventId] }).ToList();
            await worker.DispatchAsync(jobs, stoppingToken);
        }
        finally
        {
            await acknowledging;
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
