using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Perps.Benchmarks.Infrastructure;

/// <summary>
/// The fast local endpoint every delivery goes to: Kestrel on loopback, one handler that reads the body, checks
/// <c>X-Webhook-Signature</c> (HMAC-SHA256 keyed by the UTF-8 secret string) and notes each verified delivery by its
/// (event, webhook) pair, and when each event first arrived. It answers 200 to everything, so a bad signature is
/// counted, never retried. A delivery counts by what it carries (the event id in its body, the webhook id in its
/// header), not by its delivery id, so the ledger checks what reached the customer, not the pipeline's own naming.
/// </summary>
internal sealed class SignatureCheckingReceiver : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, byte[]> _keys = new(StringComparer.Ordinal); // webhook id → key
    private ConcurrentDictionary<string, long> _firstArrival = new(StringComparer.Ordinal);  // event id → Stopwatch ticks
    private DeliveredPairs _delivered = new();
    private long _received;
    private long _duplicates;
    private long _invalid;
    private long _unknownWebhook;
    private WebApplication? _app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Distinct verified deliveries (by event and webhook) since the last <see cref="Reset"/>.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Verified requests for an (event, webhook) pair that had been delivered before (an attempt sent twice).</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Requests whose signature did not verify (or whose body named no event), over the whole run. Must be 0.</summary>
    public long InvalidSignatures => Interlocked.Read(ref _invalid);

    /// <summary>Requests naming a webhook the benchmark never created, over the whole run. Must be 0.</summary>
    public long UnknownWebhooks => Interlocked.Read(ref _unknownWebhook);

    public void Register(string webhookId, string secret) => _keys[webhookId] = Encoding.UTF8.GetBytes(secret);

    public bool TryGetArrival(string eventId, out long ticks) => _firstArrival.TryGetValue(eventId, out ticks);

    /// <summary>Whether this event reached this webhook with a valid signature since the last <see cref="Reset"/>.</summary>
    public bool HasDelivered(string eventId, string webhookId) => _delivered.Contains(eventId, webhookId);

    /// <summary>Drops arrival times already used (a long soak would otherwise keep one per event); deliveries stay counted.</summary>
    public void ForgetArrivals(IEnumerable<string> eventIds)
    {
        foreach (var id in eventIds)
        {
            _firstArrival.TryRemove(id, out _);
        }
    }

    /// <summary>Starts counting afresh (signature failures are kept: they are reported for the whole run).</summary>
    public void Reset()
    {
        _firstArrival = new(StringComparer.Ordinal);
        _delivered = new();
        Interlocked.Exchange(ref _received, 0);
        Interlocked.Exchange(ref _duplicates, 0);
    }

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(System.Net.IPAddress.Loopback, 0);
            k.Limits.MaxConcurrentConnections = null;
        });
        _app = builder.Build();
        _app.Run(HandleAsync);
        await _app.StartAsync();
        BaseUrl = _app.Urls.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
    }

    private async Task HandleAsync(HttpContext context)
    {
        var body = await ReadBodyAsync(context.Request);
        var arrived = Stopwatch.GetTimestamp();
        var headers = context.Request.Headers;
        var webhookId = headers["X-Webhook-ID"].ToString();
        context.Response.StatusCode = StatusCodes.Status200OK;

        if (!_keys.TryGetValue(webhookId, out var key))
        {
            Interlocked.Increment(ref _unknownWebhook);
            return;
        }
        if (!SignatureMatches(key, body, headers["X-Webhook-Signature"].ToString()) || EventId(body) is not { } eventId)
        {
            Interlocked.Increment(ref _invalid);
            return;
        }
        if (_delivered.Add(eventId, webhookId))
        {
            Interlocked.Increment(ref _received);
        }
        else
        {
            Interlocked.Increment(ref _duplicates);
        }
        _firstArrival.TryAdd(eventId, arrived);
    }

    private static bool SignatureMatches(byte[] key, byte[] body, string signature)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, body, mac);
        Span<char> hex = stackalloc char[HMACSHA256.HashSizeInBytes * 2];
        return Convert.TryToHexStringLower(mac, hex, out _) && hex.SequenceEqual(signature);
    }

    /// <summary>The body starts with <c>{"id":"evt_…"</c> (the contract fixes the key order).</summary>
    private static string? EventId(byte[] body)
    {
        ReadOnlySpan<byte> prefix = "{\"id\":\""u8;
        if (!body.AsSpan().StartsWith(prefix))
        {
            return null;
        }
        var rest = body.AsSpan(prefix.Length);
        var end = rest.IndexOf((byte)'"');
        return end < 0 ? null : Encoding.ASCII.GetString(rest[..end]);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        var reader = request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync();
            if (result.IsCompleted)
            {
                var bytes = result.Buffer.ToArray();
                reader.AdvanceTo(result.Buffer.End);
                return bytes;
            }
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
