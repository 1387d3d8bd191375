using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Perps.Tests.Infrastructure;

/// <summary>A request as the endpoint received it: the raw body bytes and every header.</summary>
public sealed record ReceivedRequest(string Path, byte[] Body, IReadOnlyDictionary<string, string> Headers, DateTimeOffset ReceivedAt)
{
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);

    public string Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : "";
}

/// <summary>
/// A real HTTP endpoint on loopback that records what it receives. Each test uses its own path (a "mailbox") and
/// may script the answers: a status per request, or a delay before answering; status <see cref="Abort"/> resets
/// the connection instead of answering.
/// </summary>
public sealed class TestReceiver : IAsyncDisposable
{
    /// <summary>A scripted status that aborts the connection (after the delay) instead of answering.</summary>
    public const int Abort = 0;

    private readonly ConcurrentDictionary<string, ConcurrentQueue<ReceivedRequest>> _received = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<ReceivedRequest>> _acknowledged = new();
    private readonly ConcurrentDictionary<string, Func<int, (int Status, TimeSpan Delay)>> _scripts = new();
    private readonly ConcurrentDictionary<string, string> _retryAfter = new();
    private WebApplication? _app;

    public string BaseUrl { get; private set; } = "";

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/{**path}", HandleAsync);
        await _app.StartAsync();
        BaseUrl = _app.Urls.First();
    }

    /// <summary>A fresh mailbox URL; answers 200 unless scripted.</summary>
    public string NewEndpoint(Func<int, (int Status, TimeSpan Delay)>? script = null)
    {
        var path = $"hook-{Guid.NewGuid():N}";
        if (script is not null)
        {
            _scripts[path] = script;
        }
        return $"{BaseUrl}/{path}";
    }

    /// <summary>A fresh mailbox whose 429 answers carry <c>Retry-After: <paramref name="retryAfterSeconds"/></c>.</summary>
    public string NewEndpoint(Func<int, (int Status, TimeSpan Delay)> script, int retryAfterSeconds)
    {
        var url = NewEndpoint(script);
        _retryAfter[PathOf(url)] = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return url;
    }

    public IReadOnlyList<ReceivedRequest> Received(string url) =>
        _received.TryGetValue(PathOf(url), out var queue) ? queue.ToArray() : [];

    /// <summary>The requests answered with a 2xx that was written completely: the deliveries the endpoint took.</summary>
    public IReadOnlyList<ReceivedRequest> Acknowledged(string url) =>
        _acknowledged.TryGetValue(PathOf(url), out var queue) ? queue.ToArray() : [];

    /// <summary>Waits until the endpoint has received at least <paramref name="count"/> requests.</summary>
    public Task<IReadOnlyList<ReceivedRequest>> WaitForAsync(string url, int count, TimeSpan? timeout = null) =>
        Poll.UntilAsync(() => Task.FromResult(Received(url)), received => received.Count >= count, timeout ?? TimeSpan.FromSeconds(20),
            received => $"{url} received {received.Count} requests, expected {count}.", TimeSpan.FromMilliseconds(25));

    private async Task HandleAsync(HttpContext context, string path)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        var queue = _received.GetOrAdd(path, _ => new());
        var request = new ReceivedRequest(path, buffer.ToArray(), headers, DateTimeOffset.UtcNow);
        queue.Enqueue(request);

        var (status, delay) = _scripts.TryGetValue(path, out var script) ? script(queue.Count) : (200, TimeSpan.Zero);
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        if (status == Abort)
        {
            context.Abort();
            return;
        }
        context.Response.StatusCode = status;
        if (status == 429 && _retryAfter.TryGetValue(path, out var retryAfter))
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }
        if (status is >= 300 and < 400)
        {
            context.Response.Headers.Location = $"/{path}/followed"; // a client that follows redirects would post here
        }
        await context.Response.WriteAsync(status is >= 200 and < 300 ? "OK" : "receiver says no");
        if (status is >= 200 and < 300)
        {
            await context.Response.CompleteAsync();
            _acknowledged.GetOrAdd(path, _ => new()).Enqueue(request);
        }
    }

    private static string PathOf(string url) => new Uri(url).AbsolutePath.TrimStart('/');

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
