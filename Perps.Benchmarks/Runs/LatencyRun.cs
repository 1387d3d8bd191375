using System.Collections.Concurrent;
using System.Diagnostics;
using Perps.Benchmarks.Infrastructure;
using Perps.Benchmarks.Setup;

namespace Perps.Benchmarks.Runs;

internal sealed record LatencyResult(
    int FanOut,
    double TargetEventsPerSecond,
    double AchievedEventsPerSecond,
    long Events,
    long Missing,
    double P50Ms,
    double P99Ms,
    double MaxMs,
    long ArrivedBefore202,
    double FromSendP50Ms,
    double FromSendP99Ms,
    double IngestP50Ms,
    double IngestP99Ms);

/// <summary>
/// Latency from an ingest request's 202 to the receiver having the delivery, at a steady offered load (open loop:
/// batches leave on a fixed schedule whether or not earlier ones are done). An event can arrive before its 202 is
/// read (the API queues it before answering): that counts as 0 ms, and how often it happened is reported.
/// </summary>
internal static class LatencyRun
{
    public static async Task<LatencyResult> RunAsync(BenchApp app, SignatureCheckingReceiver receiver, HotGroup group,
        TradeFeed feed, double eventsPerSecond, BenchOptions options, CancellationToken ct)
    {
        using var ingest = app.CreateClient("X-Ingest-Key", BenchApp.IngestKey);
        receiver.Reset();
        var batch = options.LatencyBatch;
        var interval = batch / eventsPerSecond * Stopwatch.Frequency;
        var start = Stopwatch.GetTimestamp();
        var countFrom = start + (long)(options.Warmup.TotalSeconds * Stopwatch.Frequency);
        var end = start + (long)(options.Latency.TotalSeconds * Stopwatch.Frequency);
        var accepted = new ConcurrentBag<(string[] Ids, long SentAt, long AcceptedAt)>();
        var sends = new List<Task>();
        long failures = 0;

        async Task SendAsync(byte[] body, string[] ids)
        {
            var sentAt = Stopwatch.GetTimestamp();
            if (await ThroughputRun.IngestAsync(ingest, body, ct))
            {
                accepted.Add((ids, sentAt, Stopwatch.GetTimestamp()));
            }
            else
            {
                Interlocked.Increment(ref failures);
            }
        }

        var next = (double)start;
        while (next < end)
        {
            var now = Stopwatch.GetTimestamp();
            while (next <= now && next < end)
            {
                var (body, ids) = feed.NextBatch(group.Wallets, batch);
                sends.Add(SendAsync(body, ids));
                next += interval;
            }
            var wait = (next - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
            if (wait >= 1)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait), ct);
            }
            else
            {
                await Task.Yield();
            }
        }
        await Task.WhenAll(sends);

        var counted = accepted.Where(a => a.SentAt >= countFrom).ToList();
        var eventIds = counted.SelectMany(a => a.Ids).ToList();
        await Stats.WaitUntilAsync(() => eventIds.All(id => receiver.TryGetArrival(id, out _)), TimeSpan.FromSeconds(30), ct);

        var fromAccepted = new List<double>();
        var fromSend = new List<double>();
        long early = 0, missing = 0;
        foreach (var (ids, sentAt, acceptedAt) in counted)
        {
            foreach (var id in ids)
            {
                if (!receiver.TryGetArrival(id, out var arrived))
                {
                    missing++;
                    continue;
                }
                var ms = Stats.Milliseconds(acceptedAt, arrived);
                early += ms < 0 ? 1 : 0;
                fromAccepted.Add(Math.Max(0, ms));
                fromSend.Add(Stats.Milliseconds(sentAt, arrived));
            }
        }
        fromAccepted.Sort();
        fromSend.Sort();
        var ingestMs = counted.Select(a => Stats.Milliseconds(a.SentAt, a.AcceptedAt)).Order().ToList();
        var countedSeconds = (end - countFrom) / (double)Stopwatch.Frequency;
        return new LatencyResult(
            group.FanOut,
            TargetEventsPerSecond: Math.Round(eventsPerSecond),
            AchievedEventsPerSecond: Math.Round(eventIds.Count / countedSeconds),
            Events: eventIds.Count,
            Missing: missing + failures * batch,
            P50Ms: Math.Round(Stats.Percentile(fromAccepted, 50), 1),
            P99Ms: Math.Round(Stats.Percentile(fromAccepted, 99), 1),
            MaxMs: Math.Round(fromAccepted.LastOrDefault(), 1),
            ArrivedBefore202: early,
            FromSendP50Ms: Math.Round(Stats.Percentile(fromSend, 50), 1),
            FromSendP99Ms: Math.Round(Stats.Percentile(fromSend, 99), 1),
            IngestP50Ms: Math.Round(Stats.Percentile(ingestMs, 50), 1),
            IngestP99Ms: Math.Round(Stats.Percentile(ingestMs, 99), 1));
    }
}
