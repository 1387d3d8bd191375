using System.Collections.Concurrent;
using System.Diagnostics;
using Perps.Benchmarks.Infrastructure;

namespace Perps.Benchmarks.Runs;

/// <summary>One ingest request of an open-loop run: its events, and when it was due, sent and answered 202 (Stopwatch ticks).</summary>
internal sealed record ScheduledBatch(string[] EventIds, long DueAt, long SentAt, long AcceptedAt);

/// <summary>
/// Open-loop ingest: batches fall due on a fixed schedule (<c>batch / rate</c> apart) and each is sent when due
/// whether or not earlier ones have been answered, so a generator or an API that falls behind shows as latency
/// measured from the due time, instead of quietly lowering the offered load. Accepted batches (202) and the due
/// times of refused or failed ones are collected for the caller.
/// </summary>
internal sealed class ScheduledIngest(HttpClient ingest, TradeBatches feed, IReadOnlyList<string> wallets, int batch)
{
    private static readonly TimeSpan AnswerWait = TimeSpan.FromSeconds(70); // past the client's 60 s timeout
    private long _inFlight;

    public int Batch => batch;

    /// <summary>Batches answered 202, in the order their answers came; a long run takes them out as it goes.</summary>
    public ConcurrentQueue<ScheduledBatch> Accepted { get; } = new();

    /// <summary>Due times of the batches that were refused or failed (each reported once on the console, then counted).</summary>
    public ConcurrentQueue<long> Failed { get; } = new();

    /// <summary>
    /// Sends a batch each time one falls due from <paramref name="start"/> until <paramref name="end"/> (Stopwatch
    /// ticks) and completes once the last has been sent; <see cref="AnsweredAsync"/> waits for the answers. The
    /// schedule keeps a thread of its own and sleeps with <see cref="PreciseSleep"/>: on the thread pool with
    /// Task.Delay it fell up to 6 ms behind, which every latency from the due time would have carried.
    /// </summary>
    public Task SendAsync(double eventsPerSecond, long start, long end, CancellationToken ct)
    {
        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var schedule = new Thread(() =>
        {
            try
            {
                Schedule(eventsPerSecond, start, end, ct);
                sent.SetResult();
            }
            catch (OperationCanceledException ex)
            {
                sent.SetCanceled(ex.CancellationToken);
            }
        }) { IsBackground = true, Name = "scheduled ingest" };
        schedule.Start();
        return sent.Task;
    }

    private void Schedule(double eventsPerSecond, long start, long end, CancellationToken ct)
    {
        var interval = batch / eventsPerSecond * Stopwatch.Frequency;
        var next = (double)start;
        while (next < end)
        {
            ct.ThrowIfCancellationRequested();
            var now = Stopwatch.GetTimestamp();
            while (next <= now && next < end)
            {
                var (body, ids) = feed.NextBatch(wallets, batch);
                Interlocked.Increment(ref _inFlight);
                _ = SendOneAsync(body, ids, (long)next, ct);
                next += interval;
            }
            PreciseSleep.For(TimeSpan.FromSeconds((next - Stopwatch.GetTimestamp()) / Stopwatch.Frequency));
        }
    }

    /// <summary>Waits until every batch sent has been answered (or failed); false if some were still out after the wait.</summary>
    public Task<bool> AnsweredAsync(CancellationToken ct) => Stats.WaitUntilAsync(() => Interlocked.Read(ref _inFlight) == 0, AnswerWait, ct);

    private async Task SendOneAsync(byte[] body, string[] ids, long dueAt, CancellationToken ct)
    {
        try
        {
            var sentAt = Stopwatch.GetTimestamp();
            if (await ThroughputRun.IngestAsync(ingest, body, ct))
            {
                Accepted.Enqueue(new ScheduledBatch(ids, dueAt, sentAt, Stopwatch.GetTimestamp()));
            }
            else
            {
                Failed.Enqueue(dueAt);
            }
        }
        catch (OperationCanceledException)
        {
            Failed.Enqueue(dueAt);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
