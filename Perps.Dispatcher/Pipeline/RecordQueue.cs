using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Npgsql;
using Perps.Webhooks.Delivery;
using Perps.Webhooks.Lifecycle;
using Perps.Webhooks.Streams;
using Perps.Webhooks.Telemetry;
using StackExchange.Redis;

namespace Perps.Dispatcher.Pipeline;

/// <summary>
/// Queues what the dispatcher has to record and writes it through the <see cref="DeliveryRecorder"/> in batches:
/// records queue up while a write is in flight, so under load one round trip records hundreds. A fan-out whose
/// deliveries are all recorded is released in a following batch (its batches leave <c>fan_out_awaiting</c>), and
/// only then are its stream entries acknowledged. Only a lost connection is retried; a batch Postgres refuses for
/// what it holds is split until the bad record stands alone, which is then recorded without the receiver's text: one
/// record never blocks the others. Below a full batch it gathers for <see cref="DeliveryOptions.RecordGather"/> first,
/// so a moderate load is written in a few large batches rather than many small ones. At shutdown it writes everything
/// queued before it stops.
/// </summary>
internal sealed class RecordQueue(
    DeliveryRecorder recorder,
    IConnectionMultiplexer redis,
    IOptions<DeliveryOptions> options,
    PerpsMetrics metrics,
    ILogger<RecordQueue> logger) : BackgroundService
{
    private const int MaxBatch = 1000;
    private const string UnstorableAnswer = "the receiver's answer could not be stored";
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);
    private readonly Channel<QueuedWrite> _queue = Channel.CreateUnbounded<QueuedWrite>(new() { SingleReader = true });

    public void Add(AttemptRecord record) => _queue.Writer.TryWrite(new QueuedWrite(record, null));

    /// <summary>
    /// Releases a fan-out whose deliveries are all recorded. When the queue has stopped taking work, the fan-out stays
    /// unacknowledged: its entries are reclaimed later and find nothing left to send.
    /// </summary>
    public void Release(FanOutTicket ticket) => _queue.Writer.TryWrite(new QueuedWrite(null, ticket));

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
            var records = new List<AttemptRecord>();
            var released = new List<FanOutTicket>();
            if (!Take(reader, records, released) && options.Value.RecordGather > TimeSpan.Zero)
            {
                await Task.Delay(options.Value.RecordGather, CancellationToken.None);
                Take(reader, records, released);
            }
            await WriteAsync(records, released.SelectMany(t => t.BatchIds).ToList(), stoppingToken);
            foreach (var ticket in released)
            {
                ticket.Released();
                _ = AcknowledgeAsync(ticket);
            }
            foreach (var (ticket, count) in records.Where(r => r.Ticket is not null).CountBy(r => r.Ticket!))
            {
                if (ticket.Recorded(count))
                {
                    Release(ticket);
                }
            }
        }
    }

    /// <summary>Moves queued writes into the batch until it is full (true) or the queue is empty (false).</summary>
    private static bool Take(ChannelReader<QueuedWrite> reader, List<AttemptRecord> records, List<FanOutTicket> released)
    {
        while (records.Count < MaxBatch)
        {
            if (!reader.TryRead(out var write))
            {
                return false;
            }
            if (write.Record is { } record)
            {
                records.Add(record);
            }
            else
            {
                released.Add(write.Released!);
            }
        }
        return true;
    }

    private async Task AcknowledgeAsync(FanOutTicket ticket)
    {
        try
        {
            await (ticket.OnRecorded?.Invoke(ticket) ?? Task.CompletedTask);
        }
        catch (Exception ex)
        {
            // Not acknowledged: the entries are reclaimed after ClaimIdle and find their deliveries recorded.
            Log.AcknowledgeFailed(logger, ex, ticket.StreamEntryIds.Count);
        }
    }

    /// <summary>Writes the records and releases the events; whatever cannot be written after splitting is logged and dropped.</summary>
    private async Task WriteAsync(IReadOnlyList<AttemptRecord> records, IReadOnlyList<string> released, CancellationToken stoppingToken)
    {
        try
        {
            await WriteRetryingAsync(records, released, stoppingToken);
        }
        catch (Exception ex) when (records.Count + (released.Count > 0 ? 1 : 0) > 1)
        {
            Log.RecordFailed(logger, ex, records.Count);
            var half = records.Count / 2;
            await WriteAsync(records.Take(half).ToList(), released, stoppingToken);
            await WriteAsync(records.Skip(half).ToList(), [], stoppingToken);
        }
        catch (Exception ex) when (records.Count == 1)
        {
            await WriteWithoutReceiverTextAsync(records[0], ex, stoppingToken);
        }
        catch (Exception ex)
        {
            Log.ReleaseFailed(logger, ex, released.Count); // the sweep releases them once it finds their deliveries recorded
        }
    }

    private async Task WriteWithoutReceiverTextAsync(AttemptRecord record, Exception cause, CancellationToken stoppingToken)
    {
        Log.RecordIsolated(logger, cause, record.DeliveryId, record.Attempt);
        var plain = record.Outcome is { } outcome
            ? record with { Outcome = new AttemptOutcome(outcome.AttemptedAt, outcome.StatusCode, outcome.Duration, UnstorableAnswer, null, outcome.RetryAfter) }
            : record;
        try
        {
            await WriteRetryingAsync([plain], [], stoppingToken);
        }
        catch (Exception ex)
        {
            Log.RecordDropped(logger, ex, record.DeliveryId, record.Attempt);
        }
    }

    /// <summary>
    /// Retries while Postgres is away (connection errors, timeouts, transient server states). Given up only at
    /// shutdown: claimed attempts' leases then expire and fan-outs' entries are reclaimed, and they are sent again.
    /// Anything else is thrown to the caller.
    /// </summary>
    private async Task WriteRetryingAsync(IReadOnlyList<AttemptRecord> records, IReadOnlyList<string> released, CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var recorded = await recorder.RecordAsync(records, released, CancellationToken.None);
                foreach (var webhookId in recorded.Disabled)
                {
                    Log.WebhookDisabled(logger, webhookId);
                }
                metrics.Disabled(recorded.Disabled.Count);
                _ = QueueNoticesAsync(recorded.NoticeEvents);
                return;
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                Log.RecordFailed(logger, ex, records.Count);
                if (stoppingToken.IsCancellationRequested && attempt >= 3)
                {
                    return;
                }
                await Task.Delay(RetryDelay * Math.Min(attempt, 10), CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Hands the <c>webhook.disabled</c> events just stored to the dispatchers, as ingestion does with trades. Stored
    /// is what counts: an entry lost here is made good by the sweep after <c>Delivery:FanOutGrace</c>.
    /// </summary>
    private async Task QueueNoticesAsync(IReadOnlyList<string> eventIds)
    {
        if (eventIds.Count == 0)
        {
            return;
        }
        try
        {
            await EventStream.AddAsync(redis.GetDatabase(), batchId: null, eventIds); // each is a batch of its own
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.NoticeEnqueueFailed(logger, ex, eventIds.Count);
        }
    }

    /// <summary>The connection, not the data: a server error about what the batch holds (22xxx, 23xxx, …) is not retried.</summary>
    private static bool IsTransient(Exception ex) => ex switch
    {
        NpgsqlException npgsql => npgsql.IsTransient, // a lost connection, or a server shutting down, deadlocked, out of room
        TimeoutException => true,
        _ => false,
    };

    /// <summary>A record to write, or a fan-out to release: one queue keeps them in the order they happened.</summary>
    private readonly record struct QueuedWrite(AttemptRecord? Record, FanOutTicket? Released);
}
