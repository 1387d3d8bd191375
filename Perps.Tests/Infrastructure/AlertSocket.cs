using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Aspire.Hosting;

namespace Perps.Tests.Infrastructure;

/// <summary>
/// A bot's alert connection, for tests: a <see cref="ClientWebSocket"/> to <c>/api/alerts</c> that reads frames one
/// at a time when asked (so a test can also stop reading, as a slow client does). Every wait is bounded.
/// </summary>
public sealed class AlertSocket : IAsyncDisposable
{
    public static readonly TimeSpan FrameTimeout = TimeSpan.FromSeconds(15);

    private readonly ClientWebSocket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];

    private AlertSocket(ClientWebSocket socket) => _socket = socket;

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public string? CloseReason => _socket.CloseStatusDescription;

    public static Uri AlertsUri(DistributedApplication app) =>
        new UriBuilder(app.GetEndpoint("api", "http")) { Scheme = "ws", Path = "/api/alerts" }.Uri;

    /// <summary>
    /// Connects; the headers are the upgrade request's (X-API-Key, X-Resume-From). Throws when the upgrade is refused.
    /// <paramref name="tcpReceiveBuffer"/> shrinks the client's socket buffer, so a client that stops reading holds
    /// back the server within kilobytes, as a slow one far away does.
    /// </summary>
    public static async Task<AlertSocket> ConnectAsync(DistributedApplication app, IReadOnlyDictionary<string, string>? headers = null, int? tcpReceiveBuffer = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            socket.Options.SetRequestHeader(name, value);
        }
        using var timeout = new CancellationTokenSource(FrameTimeout);
        if (tcpReceiveBuffer is { } bytes)
        {
            using var invoker = new HttpMessageInvoker(new SocketsHttpHandler { ConnectCallback = (context, ct) => ConnectSmallAsync(context, bytes, ct) });
            await socket.ConnectAsync(AlertsUri(app), invoker, timeout.Token);
        }
        else
        {
            await socket.ConnectAsync(AlertsUri(app), timeout.Token);
        }
        return new AlertSocket(socket);
    }

    private static async ValueTask<Stream> ConnectSmallAsync(SocketsHttpConnectionContext context, int receiveBuffer, CancellationToken cancellationToken)
    {
        var tcp = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp)
        {
            ReceiveBufferSize = receiveBuffer, // before connecting: the window the server sees is set by it
            NoDelay = true,
        };
        try
        {
            await tcp.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new System.Net.Sockets.NetworkStream(tcp, ownsSocket: true);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Connects with the key in the header and returns the socket with its welcome read.</summary>
    public static async Task<(AlertSocket Socket, JsonObject Welcome)> OpenAsync(
        DistributedApplication app, string apiKey, string? resumeFrom = null, int? tcpReceiveBuffer = null)
    {
        var headers = new Dictionary<string, string> { ["X-API-Key"] = apiKey };
        if (resumeFrom is not null)
        {
            headers["X-Resume-From"] = resumeFrom;
        }
        var socket = await ConnectAsync(app, headers, tcpReceiveBuffer);
        var welcome = await socket.ReceiveJsonAsync();
        Assert.Equal("welcome", welcome["type"]?.GetValue<string>());
        return (socket, welcome);
    }

    /// <summary>
    /// Sends a WebSocket upgrade request as plain HTTP, to see how the server refuses it: its status, content type and
    /// body (ClientWebSocket shows only the status). An upgrade it accepts answers 101 and is dropped at once.
    /// </summary>
    public static async Task<(HttpStatusCode Status, string? ContentType, string Body)> UpgradeAsync(
        DistributedApplication app, IReadOnlyDictionary<string, string> headers)
    {
        using var http = app.CreateHttpClient("api", "http");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/alerts");
        request.Headers.TryAddWithoutValidation("Connection", "Upgrade");
        request.Headers.TryAddWithoutValidation("Upgrade", "websocket");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Version", "13");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var timeout = new CancellationTokenSource(FrameTimeout);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        if (response.StatusCode == HttpStatusCode.SwitchingProtocols)
        {
            return (response.StatusCode, null, "");
        }
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync(timeout.Token));
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    public async Task SendAsync(byte[] bytes, WebSocketMessageType type)
    {
        using var timeout = new CancellationTokenSource(FrameTimeout);
        await _socket.SendAsync(bytes, type, endOfMessage: true, timeout.Token);
    }

    /// <summary>The next frame's text; null when the server closed the connection instead.</summary>
    public async Task<string?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? FrameTimeout);
        var length = 0;
        while (true)
        {
            var result = await _socket.ReceiveAsync(_buffer.AsMemory(length), cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }
            length += result.Count;
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(_buffer, 0, length);
            }
        }
    }

    public async Task<JsonObject> ReceiveJsonAsync(TimeSpan? timeout = null) =>
        JsonNode.Parse(await ReceiveAsync(timeout) ?? throw new InvalidOperationException(
            $"The server closed the connection ({CloseStatus} {CloseReason}) instead of sending a frame."))!.AsObject();

    /// <summary>Reads alerts (skipping nothing: a frame that is not an alert fails the test) until <paramref name="count"/> have come.</summary>
    public async Task<List<JsonObject>> ReceiveAlertsAsync(int count, TimeSpan? timeout = null)
    {
        var alerts = new List<JsonObject>();
        while (alerts.Count < count)
        {
            var frame = await ReceiveJsonAsync(timeout);
            Assert.True(frame.ContainsKey("cursor") && frame.ContainsKey("id"), $"Expected an alert, got {frame.ToJsonString()}");
            alerts.Add(frame);
        }
        return alerts;
    }

    /// <summary>
    /// Proves nothing more is on its way: a ping's pong is the next frame. The server answers in order, so an alert
    /// already queued would come before it.
    /// </summary>
    public async Task AssertNothingBeforePongAsync()
    {
        await SendAsync("""{"op":"ping"}""");
        var next = await ReceiveJsonAsync();
        Assert.True(next["type"]?.GetValue<string>() == "pong", $"Expected nothing but the pong, got {next.ToJsonString()}");
    }

    /// <summary>Waits for the server to close the connection; returns the frames that came first.</summary>
    public async Task<List<string>> ReadUntilClosedAsync(TimeSpan? timeout = null)
    {
        var frames = new List<string>();
        while (await ReceiveAsync(timeout) is { } frame)
        {
            frames.Add(frame);
        }
        return frames;
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // Gone already.
            }
        }
        _socket.Dispose();
    }
}
