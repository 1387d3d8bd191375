using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;
using Perps.Portal.Api;
using Perps.Portal.Auth;
using Perps.Portal.Extensions;

namespace Perps.Portal.Alerts;

/// <summary>
/// The Live page's connection to the API's alerts: the portal's server holds a WebSocket to <c>/api/alerts</c> with
/// the user's key in the header (the browser never sees the key), and raises each trade as it is ingested. A dropped
/// connection is reopened with backoff and resumed from the last cursor, so nothing is missed in between.
/// </summary>
public sealed partial class AlertStream(ServiceEndpointResolver endpoints, IOptions<PortalOptions> options, ApiKeyAccessor keys,
    ILogger<AlertStream> logger) : IAsyncDisposable
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private CancellationTokenSource? _stopping;
    private Task? _loop;
    private string? _cursor;

    public event Func<TradeAlert, Task>? AlertReceived;

    public event Func<Task>? StateChanged;

    public AlertStreamState State { get; private set; } = AlertStreamState.Connecting;

    /// <summary>Why the last connection ended, for the page to show while it reconnects.</summary>
    public string? LastProblem { get; private set; }

    /// <summary>
    /// Opens the connection, resuming after <paramref name="cursor"/> when given (the last trade the page already
    /// shows), so nothing falls between what the page read and what the connection sends.
    /// </summary>
    public void Start(string? cursor)
    {
        if (_loop is not null)
        {
            return;
        }
        _cursor = cursor;
        State = AlertStreamState.Connecting;
        _stopping = new CancellationTokenSource();
        var token = _stopping.Token;
        _loop = Task.Run(() => RunAsync(token));
    }

    /// <summary>Closes the connection (the page is gone): the API's per-key connection limit counts open ones.</summary>
    public async Task StopAsync()
    {
        if (_stopping is null || _loop is null)
        {
            return;
        }
        await _stopping.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
        (_stopping, _loop) = (null, null);
    }

    private async Task RunAsync(CancellationToken ct)
    {
        var backoff = FirstBackoff;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await ReceiveAsync(() => backoff = FirstBackoff, ct);
                LastProblem = "the connection closed";
            }
            catch (WebSocketException ex) when (ex.Data["status"] is HttpStatusCode.Unauthorized)
            {
                await SetStateAsync(AlertStreamState.KeyRejected);
                return;
            }
            catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException or InvalidOperationException or System.Text.Json.JsonException)
            {
                LastProblem = ex.InnerException is { } inner ? $"{ex.Message} ({inner.Message})" : ex.Message;
                LogConnectionLost(logger, LastProblem);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            await SetStateAsync(AlertStreamState.Reconnecting);
            try
            {
                await Task.Delay(backoff + TimeSpan.FromMilliseconds(Random.Shared.Next((int)(backoff.TotalMilliseconds / 2))), ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    private async Task ReceiveAsync(Action onWelcome, CancellationToken ct)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader(PerpsApiClient.ApiKeyHeader, await keys.GetApiKeyAsync()
            ?? throw new InvalidOperationException("Not signed in."));
        if (_cursor is not null)
        {
            socket.Options.SetRequestHeader("X-Resume-From", _cursor);
        }
        try
        {
            await socket.ConnectAsync(await AlertsUriAsync(ct), ct);
        }
        catch (WebSocketException ex)
        {
            ex.Data["status"] = socket.HttpStatusCode;
            throw;
        }

        var buffer = new byte[16 * 1024];
        using var frame = new MemoryStream();
        while (!ct.IsCancellationRequested)
        {
            frame.SetLength(0);
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer, ct);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                frame.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);
            await HandleFrameAsync(Encoding.UTF8.GetString(frame.GetBuffer(), 0, (int)frame.Length), onWelcome);
        }
    }

    private async Task HandleFrameAsync(string text, Action onWelcome)
    {
        var frame = JsonNode.Parse(text)!.AsObject();
        if (frame["cursor"]?.GetValue<string>() is { } cursor)
        {
            _cursor = cursor; // every alert, the welcome and a resync carry the position to resume after
        }
        if (frame.ContainsKey("id"))
        {
            if (AlertReceived is { } received)
            {
                await received(PerpsApiClient.ReadAlert<TradeAlert>(text));
            }
            return;
        }
        if (frame["type"]?.GetValue<string>() is "welcome" or "resumed")
        {
            onWelcome();
            LastProblem = null;
            await SetStateAsync(AlertStreamState.Live);
        }
    }

    /// <summary>The API's own address (service discovery), as a WebSocket URL.</summary>
    private async Task<Uri> AlertsUriAsync(CancellationToken ct)
    {
        var baseAddress = options.Value.ApiBaseAddress;
        var source = await endpoints.GetEndpointsAsync(baseAddress.GetLeftPart(UriPartial.Authority), ct);
        var endpoint = source.Endpoints.FirstOrDefault()?.EndPoint;
        var http = endpoint switch
        {
            DnsEndPoint dns => new UriBuilder(baseAddress.Scheme, dns.Host, dns.Port).Uri,
            IPEndPoint ip => new UriBuilder(baseAddress.Scheme, ip.Address.ToString(), ip.Port).Uri,
            // Configuration-provided endpoints may come as a URI of their own.
            _ when Uri.TryCreate(endpoint?.ToString(), UriKind.Absolute, out var uri) => uri,
            _ => baseAddress,
        };
        return new UriBuilder(http) { Scheme = http.Scheme == Uri.UriSchemeHttps ? "wss" : "ws", Path = "/api/alerts" }.Uri;
    }

    private async Task SetStateAsync(AlertStreamState state)
    {
        State = state;
        if (StateChanged is { } changed)
        {
            await changed();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Alert connection lost ({Reason}); reconnecting")]
    private static partial void LogConnectionLost(ILogger logger, string reason);
}
