using System.Threading.Channels;
using Npgsql;
using Perps.Webhooks.Delivery;
using Perps.Webhooks.Telemetry;

namespace Perps.Dispatcher.Pipeline;

/// <summary>
/// Records attempts in batches: results queue up while a write is in flight, so under load one round trip records
/// hundreds. Only a lost connection is retried; a batch Postgres refuses for what it holds is split until the bad
/// record stands alone, which is then recorded without the receiver's text: one record never blocks the others.
/// At shutdown it writes everything queued before it stops.
/// </summary>
internal sealed class ResultWriter(DeliveryRecorder recorder, PerpsMetrics metrics, ILogger<ResultWriter> logger) : BackgroundService
{
    private const int MaxBatch = 1000;
    private const string UnstorableAnswer = "the receiver's answer could not be stored";
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

    private async Task WriteAsync(IReadOnlyList<AttemptRecord> batch, CancellationToken stoppingToken)
    {
        try
        {
            await WriteRetryingAsync(batch, stoppingToken);
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            Log.RecordFailed(logger, ex, batch.Count);
            var half = batch.Count / 2;
            await WriteAsync(batch.Take(half).ToList(), stoppingToken);
            await WriteAsync(batch.Skip(half).ToList(), stoppingToken);
        }
        catch (Exception ex)
        {
            await WriteWithoutReceiverTextAsync(batch[0], ex, stoppingToken);
        }
    }

    private async Task WriteWithoutReceiverTextAsync(AttemptRecord record, Exception cause, CancellationToken stoppingToken)
    {
        Log.RecordIsolated(logger, cause, record.DeliveryId, record.Attempt);
        var outcome = record.Outcome;
        var plain = record with { Outcome = new AttemptOutcome(outcome.AttemptedAt, outcome.StatusCode, outcome.Duration, UnstorableAnswer, null, outcome.RetryAfter) };
        try
        {
            await WriteRetryingAsync([plain], stoppingToken);
        }
        catch (Exception ex)
        {
            Log.RecordDropped(logger, ex, record.DeliveryId, record.Attempt);
        }
    }

    /// <summary>
    /// Retries while Postgres is away (connection errors, timeouts, transient server states). Given up only at
    /// shutdown: the attempts' leases then expire and they are sent again. Anything else is thrown to the caller.
    /// </summary>
    private async Task WriteRetryingAsync(IReadOnlyList<AttemptRecord> batch, CancellationToken stoppingToken)
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
            catch (Exception ex) when (IsTransient(ex))
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

    /// <summary>The connection, not the data: a server error about what the batch holds (22xxx, 23xxx, …) is not retried.</summary>
    private static bool IsTransient(Exception ex) => ex switch
    {
        NpgsqlException npgsql => npgsql.IsTransient, // a lost connection, or a server shutting down, deadlocked, out of room
        TimeoutException => true,
        _ => false,
    };
}
