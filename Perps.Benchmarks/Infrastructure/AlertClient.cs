using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Perps.Benchmarks.Infrastructure;

/// <summary>When each alert reached a client (the first time), shared by every client of a run.</summary>
internal sealed class AlertArrivals
{
    private readonly ConcurrentDictionary<string, long> _first = new(StringComparer.Ordinal);
    private long _duplicates;

    public long Received => _first.Count;

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public void Record(string eventId, long at)
    {
        if (!_first.TryAdd(eventId, at))
        {
            Interlocked.Increment(ref _duplicates);
        }
    }

    public bool TryGet(string eventId, out long at) => _first.TryGetValue(eventId, out at);

    public void Reset()
    {
        _first.Clear();
        Interlocked.Exchange(ref _duplicates, 0);
    }
}

/// <summary>
/// One alert connection as a customer's program holds it: a <see cref="ClientWebSocket"/> with the X-API-Key header,
/// reading without pause (so the server's keep-alive pings are answered) and noting when each alert arrives.
/// </summary>
internal sealed class AlertClient : IAsyncDisposable
{
    private const int MaxConnectAttempts = 20;

    private readonly ClientWebSocket _socket;
    private readonly AlertArrivals _arrivals;
    private readonly CancellationTokenSource _stop = new();
    private Task _reading = Task.CompletedTask;

    private AlertClient(ClientWebSocket socket, AlertArrivals arrivals)
    {
        _socket = socket;
        _arrivals = arrivals;
    }

    /// <summary>Why the server ended the connection, if it did (a slow-consumer close, a revoked key …).</summary>
    public string? ClosedBecause { get; private set; }

    /// <summary>
    /// Connects and waits for the welcome. A 429 (this key's connections from an earlier run are still being released)
    /// is retried for a few seconds; anything else fails the benchmark.
    /// </summary>
    public static async Task<AlertClient> ConnectAsync(Uri alerts, string apiKey, AlertArrivals arrivals, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("X-API-Key", apiKey);
            socket.Options.CollectHttpResponseDetails = true;
            try
            {
                await socket.ConnectAsync(alerts, ct);
                var client = new AlertClient(socket, arrivals);
                await client.ReadWelcomeAsync(ct);
                client._reading = client.ReadAsync();
                return client;
            }
            catch (WebSocketException) when (socket.HttpStatusCode == HttpStatusCode.TooManyRequests && attempt < MaxConnectAttempts)
            {
                socket.Dispose();
                await Task.Delay(250, ct);
            }
            catch
            {
                var status = socket.HttpStatusCode;
                socket.Dispose();
                if (status is not (0 or HttpStatusCode.SwitchingProtocols))
                {
                    throw new InvalidOperationException($"The alert upgrade was answered {(int)status}.");
                }
                throw;
            }
        }
    }

    private async Task ReadWelcomeAsync(CancellationToken ct)
    {
        var buffer = new byte[4096];
        var result = await _socket.ReceiveAsync(buffer, ct);
        var text = Encoding.UTF8.GetString(buffer, 0, result.Count);
        if (result.MessageType != WebSocketMessageType.Text || !result.EndOfMessage || !text.Contains("\"type\":\"welcome\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The first alert frame was not a welcome: {text}");
        }
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length)
                    {
                        Array.Resize(ref buffer, buffer.Length * 2);
                    }
                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), _stop.Token);
                    length += result.Count;
                }
                while (!result.EndOfMessage);
                var at = Stopwatch.GetTimestamp();
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    ClosedBecause = $"{(int?)_socket.CloseStatus} {_socket.CloseStatusDescription}";
                    return;
                }
                if (AlertId(buffer.AsSpan(0, length)) is { } id)
                {
                    _arrivals.Record(id, at);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (WebSocketException ex)
        {
            ClosedBecause ??= ex.Message;
        }
    }

    /// <summary>An alert is the webhook body plus a cursor: its first member is the event id (other frames start with "type").</summary>
    private static string? AlertId(ReadOnlySpan<byte> frame)
    {
        var reader = new Utf8JsonReader(frame);
        return reader.Read() && reader.TokenType == JsonTokenType.StartObject
            && reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("id"u8)
            && reader.Read() && reader.TokenType == JsonTokenType.String
            ? reader.GetString()
            : null;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // Gone already: nothing to close.
        }
        try
        {
            // The server answers the close; the reader sees it and ends.
            await _reading.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (TimeoutException)
        {
            await _stop.CancelAsync();
            await _reading;
        }
        _socket.Dispose();
        _stop.Dispose();
    }
}
