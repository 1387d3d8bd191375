using Microsoft.Extensions.Options;
using Npgsql;
using Perps.Webhooks.Lifecycle;

namespace Perps.Dispatcher.Pipeline;

/// <summary>
/// Every <see cref="RetentionOptions.Interval"/>, removes the deliveries, attempts and events older than
/// <see cref="RetentionOptions.Age"/> (<see cref="Retention"/>), batch after batch until none is left.
/// </summary>
internal sealed class RetentionSweeper(Retention retention, IOptions<RetentionOptions> options, TimeProvider time, ILogger<RetentionSweeper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        try
        {
            do
            {
                try
                {
                    var deliveries = await RemoveAllAsync(retention.RemoveDeliveriesAsync, stoppingToken);
                    var events = await RemoveAllAsync(retention.RemoveEventsAsync, stoppingToken);
                    if (deliveries + events > 0)
                    {
                        Log.Removed(logger, deliveries, events, options.Value.Age);
                    }
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
                {
                    Log.RetentionFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<long> RemoveAllAsync(Func<CancellationToken, Task<int>> removeBatch, CancellationToken stoppingToken)
    {
        long total = 0;
        int removed;
        do
        {
            removed = await removeBatch(stoppingToken);
            total += removed;
        }
        while (removed >= options.Value.BatchSize);
        return total;
    }
}
