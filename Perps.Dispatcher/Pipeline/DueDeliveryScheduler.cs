using Microsoft.Extensions.Options;
using Npgsql;
using Perps.Dispatcher.Health;
using Perps.Dispatcher.Storage;
using Perps.Webhooks.Delivery;

namespace Perps.Dispatcher.Pipeline;

/// <summary>
/// Every <see cref="DeliveryOptions.PollInterval"/>, takes from Postgres what is due: retries whose wait is over,
/// redeliveries and recoveries, deferred attempts, attempts whose dispatcher died; and, less often, events whose stream entry was
/// lost. Postgres holds this work, so it survives Redis losing everything and restarts of the whole app.
/// </summary>
internal sealed class DueDeliveryScheduler(
    DispatchStore store,
    DeliveryWorker worker,
    DispatcherHeartbeat heartbeat,
    IOptions<DeliveryOptions> options,
    TimeProvider time,
    ILogger<DueDeliveryScheduler> logger) : BackgroundService
{
    private const int ClaimBatch = 200;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        var nextSweep = time.GetUtcNow();
        do
        {
            heartbeat.Beat("scheduler");
            try
            {
                // No more than the free slots: a claimed attempt starts at once, well inside its lease.
                int limit;
                List<(DeliveryJob Job, string EventId)> due;
                do
                {
                    limit = Math.Min(ClaimBatch, worker.FreeSlots);
                    due = await store.ClaimDueAsync(limit, stoppingToken);
                    await worker.DispatchAsync(due.Select(d => d.Job).ToList(), stoppingToken);
                }
                while (limit > 0 && due.Count == limit);

                if (time.GetUtcNow() >= nextSweep)
                {
                    nextSweep = time.GetUtcNow() + options.Value.FanOutGrace / 2;
                    await FanOutStrandedEventsAsync(stoppingToken);
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
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

    private async Task FanOutStrandedEventsAsync(CancellationToken stoppingToken)
    {
        var stranded = await store.FindStrandedEventsAsync(1000, stoppingToken);
        if (stranded.Count == 0)
        {
            return;
        }
        var fannedOut = await store.FanOutAsync(stranded, stoppingToken);
        Log.RecoveredEvents(logger, stranded.Count);
        await worker.DispatchAsync(fannedOut.Select(f => f.Job).ToList(), stoppingToken);
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
