using Microsoft.Extensions.Options;
using Npgsql;
using Perps.Dispatcher.Health;
using Perps.Webhooks.Delivery;
using Perps.Webhooks.Lifecycle;
using Perps.Webhooks.Streams;
using StackExchange.Redis;

namespace Perps.Dispatcher.Pipeline;

/// <summary>
/// Every <see cref="DeliveryOptions.PollInterval"/>, takes from Postgres what is due: retries whose wait is over,
/// redeliveries and recoveries, deferred attempts, attempts whose dispatcher died; and, less often, events still
/// awaiting fan-out long after they were stored that no stream entry names any more (Redis lost it). Postgres holds
/// this work, so it survives Redis losing everything and restarts of the whole app.
/// </summary>
internal sealed class DueDeliveryScheduler(
    DueDeliveries due,
    EventFanOut fanOut,
    FanOutRunner fanOutRunner,
    IConnectionMultiplexer redis,
    DeliveryWorker worker,
    DispatcherHeartbeat heartbeat,
    IOptions<DeliveryOptions> options,
    TimeProvider time,
    ILogger<DueDeliveryScheduler> logger) : BackgroundService
{
    private const int ClaimBatch = 200;

    /// <summary>A stream longer than this is not read through to find which batches it names: the sweep waits.</summary>
    private const long MaxStreamToScan = 20_000;

    /// <summary>Stranded batches (a request's events each, at most 1,000) taken by one sweep; more wait for the next (every half FanOutGrace).</summary>
    private const int StrandedBatches = 10;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        var nextSweep = time.GetUtcNow();
        do
        {
            heartbeat.Beat(DispatcherHeartbeat.Scheduler);
            try
            {
                // No more than the free slots: a claimed attempt starts at once, well inside its lease.
                int limit;
                List<DeliveryJob> claimed;
                do
                {
                    limit = Math.Min(ClaimBatch, worker.FreeSlots);
                    claimed = await due.ClaimAsync(limit, stoppingToken);
                    await worker.DispatchAsync(claimed, stoppingToken);
                }
                while (limit > 0 && claimed.Count == limit);

                if (time.GetUtcNow() >= nextSweep)
                {
                    nextSweep = time.GetUtcNow() + options.Value.FanOutGrace / 2;
                    await FanOutStrandedEventsAsync(stoppingToken);
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or RedisException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                Log.SchedulerFailed(logger, ex);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    /// <summary>
    /// Batches of events awaiting fan-out, not seen in progress for <see cref="DeliveryOptions.FanOutGrace"/> (a live
    /// dispatcher marks its fan-outs every third of ClaimIdle), are still to come if an entry of the stream names them
    /// (unread, or pending with a replica that died: entries are deleted once recorded); the others lost their
    /// entry, and are fanned out from Postgres, by whichever replica's sweep takes them up first.
    /// </summary>
    private async Task FanOutStrandedEventsAsync(CancellationToken stoppingToken)
    {
        var waiting = await fanOut.UnseenForAsync(options.Value.FanOutGrace, StrandedBatches, stoppingToken);
        if (waiting.Count == 0)
        {
            return;
        }
        var db = redis.GetDatabase();
        var length = await db.StreamLengthAsync(EventStream.Key);
        if (length > MaxStreamToScan)
        {
            Log.SweepSkipped(logger, length);
            return;
        }
        var named = (await db.StreamRangeAsync(EventStream.Key, count: (int)MaxStreamToScan))
            .SelectMany(EventStream.BatchIds)
            .ToHashSet(StringComparer.Ordinal);
        var unnamed = waiting.Where(id => !named.Contains(id)).ToList();
        if (unnamed.Count == 0)
        {
            return;
        }
        var stranded = await fanOut.TakeUnseenAsync(unnamed, options.Value.FanOutGrace, stoppingToken);
        if (stranded is null)
        {
            return; // another replica's sweep took them up first
        }
        Log.RecoveredEvents(logger, stranded.EventIds.Count);
        await fanOutRunner.RunAsync(stranded, stoppingToken);
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
