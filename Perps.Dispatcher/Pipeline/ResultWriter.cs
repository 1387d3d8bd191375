using System.Threading.Channels;
using Npgsql;
using Perps.Webhooks.Delivery;
using Perps.Webhooks.Telemetry;

namespace Perps.Dispatcher.Pipeline;

/// <summary>
/// Records attempts in batches: results queue up while a write is in flight, so under load one round trip records
/// hundreds. At shutdown it writes everything queued before it stops.
/// </summary>
internal sealed class ResultWriter(DeliveryRecorder recorder, PerpsMetrics metrics, ILogger<ResultWriter> logger) : BackgroundService
{
    private const int MaxBatch = 1000;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);
    private readonly Channel<AttemptRecord> _queue = Channel.CreateUnbounded<AttemptRecord>(new() { SingleReader = true });

    public void Add(AttemptRecord record) => _queue.Writer.TryWrite(record);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = _queue.Reader;
        // Not cancelled by stoppingToken: the loop ends when the queue is completed and empty.
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            var batch = new List<AttemptRecord>();
            while (batch.Count < MaxBatch && reader.TryRead(out var record))
            {
                batch.Add(record);
            }
            await WriteAsync(batch, stoppingToken);
        }
    }

    /// <summary>Retries while Postgres is away. Given up only at shutdown: the attempts' leases then expire and they are sent again.</summary>
    private async Task WriteAsync(List<AttemptRecord> batch, CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var disabled = await recorder.RecordAsync(batch, CancellationToken.None);
                foreach (var webhookId in disabled)
                {
                    Log.WebhookDisabled(logger, webhookId);
                }
                metrics.Disabled(disabled.Count);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                Log.RecordFailed(logger, ex, batch.Count);
                if (stoppingToken.IsCancellationRequested && attempt >= 3)
                {
                    return;
                }
                await Task.Delay(RetryDelay * Math.Min(attempt, 10), CancellationToken.None);
            }
        }
    }
}
