using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Perps.Benchmarks.Infrastructure;
using Perps.Benchmarks.Setup;
using Perps.Webhooks.Events;
using Perps.Webhooks.Signing;

namespace Perps.Benchmarks.Runs;

internal sealed record LimitResult(double PostsPerSecond, int Concurrency, long Posts, long Failures, Dictionary<string, double> CpuSeconds);

/// <summary>
/// The machine's own limit: the receiver driven straight by an HttpClient loop, no queue, no database, with the
/// bodies and headers a delivery has (signed per request, as the dispatcher signs per attempt) and as many requests
/// in flight as the dispatchers may have.
/// </summary>
internal static class LimitRun
{
    public static async Task<LimitResult> RunAsync(SignatureCheckingReceiver receiver, HotGroup group, int concurrency,
        TimeSpan duration, TimeSpan warmup, CpuMeter cpu, CancellationToken ct)
    {
        var (webhookId, secret) = group.Webhooks[0];
        var url = $"{receiver.BaseUrl}/limit";
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var bodies = Enumerable.Range(0, 1000).Select(i => Encoding.UTF8.GetBytes(EventBody.Create($"evt_limit_{i}", "trade.new", created,
            new TradeData(group.Wallets[i % group.Wallets.Count], "SOL-PERP", "long", 15000.5, 5.2, 185.42, 2884.71, "2025-01-15T10:30:00Z")))).ToArray();

        using var client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = concurrency,
            UseCookies = false,
            UseProxy = false,
            AllowAutoRedirect = false,
        }) { Timeout = TimeSpan.FromSeconds(10) };
        var userAgent = new ProductInfoHeaderValue("Perps-Webhooks", "1.0");

        receiver.Reset();
        long sent = 0, counted = 0, failures = 0;
        var start = Stopwatch.GetTimestamp();
        var countFrom = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        Dictionary<string, TimeSpan>? cpuFrom = null;
        var sampler = Task.Run(async () =>
        {
            await Task.Delay(warmup, ct);
            cpuFrom = cpu.Take();
        }, ct);

        async Task LoopAsync()
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                var n = Interlocked.Increment(ref sent);
                var body = bodies[n % bodies.Length];
                var deliveryId = $"dlv_limit_{n}";
                var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.UserAgent.Add(userAgent);
                request.Headers.TryAddWithoutValidation("X-Webhook-Signature", WebhookSignature.Hex(secret, body));
                request.Headers.TryAddWithoutValidation("X-Webhook-ID", webhookId);
                request.Headers.TryAddWithoutValidation("X-Event-Type", "trade.new");
                request.Headers.TryAddWithoutValidation("X-Delivery-ID", deliveryId);
                request.Headers.TryAddWithoutValidation("X-Delivery-Attempt", "1");
                request.Headers.TryAddWithoutValidation("webhook-id", deliveryId);
                request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
                request.Headers.TryAddWithoutValidation("webhook-signature", WebhookSignature.StandardV1(secret, deliveryId, timestamp, body));
                try
                {
                    using var response = await client.SendAsync(request, ct);
                    var now = Stopwatch.GetTimestamp();
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref failures);
                    }
                    else if (now >= countFrom && now < end)
                    {
                        Interlocked.Increment(ref counted);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(LoopAsync, ct)));
        await sampler;
        var cpuTo = cpu.Take();
        var seconds = (duration - warmup).TotalSeconds;
        return new LimitResult(Math.Round(counted / seconds), concurrency, Interlocked.Read(ref sent), failures,
            CpuMeter.Seconds(cpuFrom!, cpuTo));
    }
}
