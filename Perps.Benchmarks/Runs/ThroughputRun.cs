using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Perps.Benchmarks.Infrastructure;
using Perps.Benchmarks.Reporting;
using Perps.Benchmarks.Setup;

namespace Perps.Benchmarks.Runs;

internal sealed record ThroughputResult(
    int FanOut,
    double DeliveriesPerSecond,
    double EventsPerSecond,
    long Deliveries,
    long Missing,
    long Duplicates,
    long IngestFailures,
    double IngestP50Ms,
    double IngestP99Ms,
    double CommitsPerDelivery,
    Dictionary<string, double> CpuSeconds,
    Dictionary<string, double> CpuMsPerDelivery,
    LedgerLine Ledger)
{
    /// <summary>Events accepted per second during the measured window (with a filter, more than deliveries ÷ fan-out).</summary>
    public double IngestedEventsPerSecond { get; init; }

    /// <summary>CPU per event accepted in the measured window, ms, per role: what one event's fan-out costs.</summary>
    public Dictionary<string, double> CpuMsPerEvent { get; init; } = [];
}

/// <summary>
/// Sustained deliveries per second through the whole pipeline: ingest over HTTP in batches → stored → streamed →
/// signed → delivered → attempt recorded. Feeders send as fast as the pipeline drains, keeping at most a window of
/// deliveries outstanding, so the figure is what the pipeline sustains, not how big a backlog grows. Counted at
/// the receiver between the end of the warm-up and the end of the run; then every accepted event's deliveries are
/// checked off in the ledger, the warm-up's included.
/// </summary>
internal static class ThroughputRun
{
    private static readonly TimeSpan LedgerWait = TimeSpan.FromSeconds(60);

    public static async Task<ThroughputResult> RunAsync(string name, BenchApp app, SignatureCheckingReceiver receiver, TableFiller db,
        HotGroup group, TradeBatches feed, BenchOptions options, CpuMeter cpu, CancellationToken ct)
    {
        using var ingest = app.CreateIngestClient();
        var perBatch = options.Batch * group.FanOut;
        var window = Math.Max(options.Window, perBatch * options.Feeders);
        receiver.Reset();
        long expected = 0, failures = 0;
        var ingestMs = new List<double>();
        var accepted = new List<string>();

        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(options.Sustained.TotalSeconds * Stopwatch.Frequency);
        var commitsBefore = await db.CommitsAsync(ct);

        async Task FeedAsync()
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                while (Interlocked.Read(ref expected) - receiver.Received > window - perBatch && Stopwatch.GetTimestamp() < end)
                {
                    await Task.Delay(1, ct);
                }
                var (body, ids) = feed.NextBatch(group.Wallets, options.Batch);
                var owed = group.LargeTradesOnly ? ids.Count(group.Owes) * group.FanOut : perBatch;
                Interlocked.Add(ref expected, owed);
                var sentAt = Stopwatch.GetTimestamp();
                if (!await IngestAsync(ingest, body, ct))
                {
                    Interlocked.Add(ref expected, -owed);
                    Interlocked.Increment(ref failures);
                    continue;
                }
                lock (ingestMs)
                {
                    ingestMs.Add(Stats.Milliseconds(sentAt, Stopwatch.GetTimestamp()));
                    accepted.AddRange(ids);
                }
            }
        }

        int AcceptedCount()
        {
            lock (ingestMs)
            {
                return accepted.Count;
            }
        }

        var feeders = Enumerable.Range(0, options.Feeders).Select(_ => Task.Run(FeedAsync, ct)).ToList();
        await Task.Delay(options.Warmup, ct);
        var (receivedFrom, ticksFrom, cpuFrom, acceptedFrom) = (receiver.Received, Stopwatch.GetTimestamp(), cpu.Take(), AcceptedCount());
        await Task.Delay(TimeSpan.FromTicks(Math.Max(0, (end - Stopwatch.GetTimestamp()) * TimeSpan.TicksPerSecond / Stopwatch.Frequency)), ct);
        var (receivedTo, ticksTo, cpuTo, acceptedTo) = (receiver.Received, Stopwatch.GetTimestamp(), cpu.Take(), AcceptedCount());
        await Task.WhenAll(feeders);

        var ledger = await LedgerCount.CountAsync(name, receiver, group, accepted, failures, LedgerWait, ct);
        await Task.Delay(1500, ct); // the database's statistics are flushed about once a second
        var commits = await db.CommitsAsync(ct) - commitsBefore;

        var seconds = Stats.Milliseconds(ticksFrom, ticksTo) / 1000;
        var delivered = receivedTo - receivedFrom;
        var cpuSeconds = CpuMeter.Seconds(cpuFrom, cpuTo);
        ingestMs.Sort();
        return new ThroughputResult(
            group.FanOut,
            DeliveriesPerSecond: Math.Round(delivered / seconds),
            EventsPerSecond: Math.Round(delivered / seconds / group.FanOut),
            Deliveries: receiver.Received,
            Missing: ledger.Missing,
            Duplicates: ledger.Duplicates,
            IngestFailures: failures,
            IngestP50Ms: Math.Round(Stats.Percentile(ingestMs, 50), 1),
            IngestP99Ms: Math.Round(Stats.Percentile(ingestMs, 99), 1),
            CommitsPerDelivery: Math.Round((double)commits / Math.Max(1, receiver.Received), 3),
            CpuSeconds: cpuSeconds,
            CpuMsPerDelivery: cpuSeconds.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value * 1000 / Math.Max(1, delivered), 3)),
            Ledger: ledger)
        {
            IngestedEventsPerSecond = Math.Round((acceptedTo - acceptedFrom) / seconds),
            CpuMsPerEvent = cpuSeconds.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value * 1000 / Math.Max(1, acceptedTo - acceptedFrom), 3)),
        };
    }

    /// <summary>One ingest request; true on 202. A failure is reported once, then counted.</summary>
    public static async Task<bool> IngestAsync(HttpClient ingest, byte[] body, CancellationToken ct)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        try
        {
            using var response = await ingest.PostAsync("/api/trades", content, ct);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                return true;
            }
            ReportOnce($"ingest answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }
        catch (HttpRequestException ex)
        {
            ReportOnce($"ingest failed: {ex.Message}");
        }
        return false;
    }

    private static int _reported;

    private static void ReportOnce(string message)
    {
        if (Interlocked.Exchange(ref _reported, 1) == 0)
        {
            Console.Error.WriteLine(message);
        }
    }
}
