using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Perps.Tests.Infrastructure;

/// <summary>The ways a hostile or broken endpoint answers a delivery, byte for byte (see <see cref="HostileReceiver"/>).</summary>
public enum HostileReply
{
    /// <summary>A well-formed <c>200 OK</c> with a short body: the control.</summary>
    Clean200,

    /// <summary><c>HTTP/1.1 200 O\0K</c>: a NUL in the reason phrase.</summary>
    NulInStatusLine,

    /// <summary><c>HTTP/1.1 200 O\x01K\x1b[31m\x7f</c>: control bytes and DEL in the reason phrase.</summary>
    ControlBytesInReasonPhrase,

    /// <summary><c>HTTP/1.1 200 O\rK</c>: a CR without LF in the reason phrase.</summary>
    BareCarriageReturnInReasonPhrase,

    /// <summary>A header name holding <c>\x01 \x1b \x7f</c>.</summary>
    ControlBytesInHeaderName,

    /// <summary>A header name holding a NUL.</summary>
    NulInHeaderName,

    /// <summary>A header value holding <c>\x01 \x1b \x7f</c>.</summary>
    ControlBytesInHeaderValue,

    /// <summary>A header value holding a NUL.</summary>
    NulInHeaderValue,

    /// <summary>A header value holding a CR without LF.</summary>
    BareCarriageReturnInHeaderValue,

    /// <summary><c>HTTP/1.1 abc</c>: no status code.</summary>
    MalformedStatusCode,

    /// <summary><c>garbage</c> where the status line should be.</summary>
    GarbageStatusLine,

    /// <summary>An 8 KB line of garbage where the status line should be (an error that quotes it is 8 KB long).</summary>
    LongGarbageStatusLine,

    /// <summary><c>200</c> with <c>Content-Length: 50</c>, then 10 bytes, then the connection closes.</summary>
    BodyShorterThanContentLength,

    /// <summary><c>200</c> with a chunked body that never ends, written until the client goes away.</summary>
    EndlessChunkedBody,

    /// <summary><c>500</c> with a 10 GB <c>Content-Length</c>, written until the client goes away.</summary>
    EndlessBodyOfAnError,

    /// <summary><c>HTTP/1.1 200 OK\r\n</c>, then a TCP reset.</summary>
    ResetAfterStatusLine,

    /// <summary>The status line and headers one byte a second: never complete within the delivery timeout.</summary>
    SlowHeaders,

    /// <summary>One 10 MB header, written while the client keeps reading.</summary>
    HugeHeaderBlock,

    /// <summary>HTTP/0.9 style: <c>hello\n</c> and close, no status line at all.</summary>
    BodyWithoutStatusLine,
}

/// <summary>
/// A raw TCP endpoint on loopback that answers with scripted bytes no real HTTP server would send. Like
/// <see cref="TestReceiver"/>, each test takes its own path (a "mailbox") and the requests received there are
/// recorded; the path picks the <see cref="HostileReply"/>. Every connection runs on its own task, answers one
/// request and closes; none can outlive <see cref="MaxConnectionTime"/> or the receiver's disposal.
/// </summary>
public sealed class HostileReceiver : IAsyncDisposable
{
    /// <summary>The longest any connection is kept: the endless and slow replies stop here at the latest.</summary>
    public static readonly TimeSpan MaxConnectionTime = TimeSpan.FromSeconds(90);

    private const int MaxRequestHead = 64 * 1024;
    private const int MaxRequestBody = 1024 * 1024;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, HostileReply> _replies = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<ReceivedRequest>> _received = new();
    private readonly ConcurrentDictionary<Task, byte> _connections = new();
    private Task _acceptLoop = Task.CompletedTask;

    public string BaseUrl { get; private set; } = "";

    public HostileReceiver Start()
    {
        _listener.Start();
        BaseUrl = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _acceptLoop = Task.Run(AcceptAsync);
        return this;
    }

    /// <summary>A fresh mailbox URL that answers every request with <paramref name="reply"/>.</summary>
    public string NewEndpoint(HostileReply reply)
    {
        var path = $"hostile-{reply}-{Guid.NewGuid():N}";
        _replies[path] = reply;
        return $"{BaseUrl}/{path}";
    }

    public IReadOnlyList<ReceivedRequest> Received(string url) =>
        _received.TryGetValue(new Uri(url).AbsolutePath.TrimStart('/'), out var queue) ? queue.ToArray() : [];

    /// <summary>The bytes a reply starts with (all of it, for the replies that end): what tests and checks can quote.</summary>
    public static byte[] Head(HostileReply reply) => reply switch
    {
        HostileReply.Clean200 => Ascii("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"),
        HostileReply.NulInStatusLine => Ascii("HTTP/1.1 200 O\0K\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"),
        HostileReply.ControlBytesInReasonPhrase => Ascii("HTTP/1.1 200 O\u0001K\u001b[31m\u007f\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"),
        HostileReply.BareCarriageReturnInReasonPhrase => Ascii("HTTP/1.1 200 O\rK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"),
        HostileReply.ControlBytesInHeaderName => Ascii("HTTP/1.1 200 OK\r\nX-Bad\u0001\u001b\u007fName: v\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"),
        HostileReply.NulInHeaderName => Ascii("HTTP/1.1 200 OK\r\nX-Bad\0Name: v\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"),
        HostileReply.ControlBytesInHeaderValue => Ascii("HTTP/1.1 200 OK\r\nX-Bad: a\u0001b\u001bc\u007fd\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"),
        HostileReply.NulInHeaderValue => Ascii("HTTP/1.1 200 OK\r\nX-Bad: a\0b\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"),
        HostileReply.BareCarriageReturnInHeaderValue => Ascii("HTTP/1.1 200 OK\r\nX-Bad: a\rb\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"),
        HostileReply.MalformedStatusCode => Ascii("HTTP/1.1 abc\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"),
        HostileReply.GarbageStatusLine => Ascii("garbage\r\n\r\n"),
        HostileReply.LongGarbageStatusLine => Ascii("garbage" + new string('g', 8 * 1024) + "\r\n\r\n"),
        HostileReply.BodyShorterThanContentLength => Ascii("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 50\r\n\r\n0123456789"),
        HostileReply.EndlessChunkedBody => Ascii("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"),
        HostileReply.EndlessBodyOfAnError => Ascii("HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 10000000000\r\n\r\n"),
        HostileReply.ResetAfterStatusLine => Ascii("HTTP/1.1 200 OK\r\n"),
        HostileReply.SlowHeaders => Ascii("HTTP/1.1 200 OK\r\nX-Slow: " + new string('s', 200) + "\r\nContent-Length: 2\r\n\r\nok"),
        HostileReply.HugeHeaderBlock => Ascii("HTTP/1.1 200 OK\r\nX-Huge: "),
        HostileReply.BodyWithoutStatusLine => Ascii("hello\n"),
        _ => throw new ArgumentOutOfRangeException(nameof(reply), reply, null),
    };

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            var connection = Task.Run(() => HandleAsync(socket));
            _connections[connection] = 0;
            _ = connection.ContinueWith(done => _connections.TryRemove(done, out _), TaskScheduler.Default);
        }
    }

    private async Task HandleAsync(Socket socket)
    {
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        lifetime.CancelAfter(MaxConnectionTime);
        var ct = lifetime.Token;
        socket.NoDelay = true;
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            var request = await ReadRequestAsync(stream, ct);
            if (request is null)
            {
                return;
            }
            _received.GetOrAdd(request.Path, _ => new()).Enqueue(request);
            if (!_replies.TryGetValue(request.Path, out var reply))
            {
                await stream.WriteAsync(Ascii("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), ct);
                return;
            }
            await ReplyAsync(reply, socket, stream, ct);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away, or time is up: exactly what these replies provoke.
        }
        finally
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Already reset.
            }
            socket.Dispose();
        }
    }

    private static async Task ReplyAsync(HostileReply reply, Socket socket, NetworkStream stream, CancellationToken ct)
    {
        var head = Head(reply);
        switch (reply)
        {
            case HostileReply.EndlessChunkedBody:
                await stream.WriteAsync(head, ct);
                var chunk = Ascii($"400\r\n{new string('x', 0x400)}\r\n");
                while (true)
                {
                    await stream.WriteAsync(chunk, ct);
                    await Task.Delay(1, ct);
                }
            case HostileReply.EndlessBodyOfAnError:
                await stream.WriteAsync(head, ct);
                var filler = Ascii(new string('x', 16 * 1024));
                while (true)
                {
                    await stream.WriteAsync(filler, ct);
                    await Task.Delay(1, ct);
                }
            case HostileReply.ResetAfterStatusLine:
                await stream.WriteAsync(head, ct);
                await stream.FlushAsync(ct);
                await Task.Delay(50, ct); // let the status line reach the client before the reset overtakes it
                socket.LingerState = new LingerOption(true, 0);
                socket.Close(); // with linger 0: RST, not FIN
                return;
            case HostileReply.SlowHeaders:
                for (var i = 0; i < head.Length; i++)
                {
                    await stream.WriteAsync(head.AsMemory(i, 1), ct);
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
                return;
            case HostileReply.HugeHeaderBlock:
                await stream.WriteAsync(head, ct);
                var value = Ascii(new string('h', 64 * 1024));
                for (var written = 0; written < 10 * 1024 * 1024; written += value.Length)
                {
                    await stream.WriteAsync(value, ct); // blocks (until the deadline) if the client stops reading
                }
                await stream.WriteAsync(Ascii("\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"), ct);
                return;
            default:
                await stream.WriteAsync(head, ct);
                return;
        }
    }

    /// <summary>Reads one request: the head up to a blank line, then as much body as Content-Length says.</summary>
    private static async Task<ReceivedRequest?> ReadRequestAsync(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new byte[8192];
        var data = new MemoryStream();
        var headEnd = -1;
        while (headEnd < 0)
        {
            var read = await stream.ReadAsync(buffer, ct);
            if (read == 0 || data.Length + read > MaxRequestHead)
            {
                return null;
            }
            data.Write(buffer, 0, read);
            headEnd = data.GetBuffer().AsSpan(0, (int)data.Length).IndexOf("\r\n\r\n"u8);
        }

        var bytes = data.ToArray();
        var lines = Encoding.Latin1.GetString(bytes, 0, headEnd).Split("\r\n");
        var target = lines[0].Split(' ') is { Length: >= 2 } parts ? parts[1] : "/";
        var headers = new Dictionary<string, string>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
            }
        }

        var body = new MemoryStream();
        body.Write(bytes, headEnd + 4, bytes.Length - headEnd - 4);
        var length = headers.TryGetValue("content-length", out var text) && long.TryParse(text, out var declared)
            ? Math.Min(declared, MaxRequestBody)
            : 0;
        while (body.Length < length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - body.Length)), ct);
            if (read == 0)
            {
                break; // tolerant: keep what arrived
            }
            body.Write(buffer, 0, read);
        }
        var path = new Uri(new Uri("http://receiver"), target).AbsolutePath.TrimStart('/');
        return new ReceivedRequest(path, body.ToArray(), headers, DateTimeOffset.UtcNow);
    }

    private static byte[] Ascii(string text) => Encoding.Latin1.GetBytes(text);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        await Task.WhenAll(_connections.Keys).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        _stopping.Dispose();
    }
}
