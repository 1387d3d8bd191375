using System.Net.WebSockets;
using Perps.Api.Data;
using Perps.Api.RateLimits;

namespace Perps.Api.Alerts;

/// <summary>
/// A connection opened without the <c>X-API-Key</c> header (a browser's) names its key in its first frame,
/// <c>{"op":"auth","api_key":"pk_…"}</c>, within <see cref="AlertOptions.AuthTimeout"/>. Anything else, a wrong key
/// or silence gets an <c>error</c> frame and close 1008; a wrong key also counts against the address's allowance of
/// failed authentications.
/// </summary>
internal static class FirstFrameAuthentication
{
    /// <summary>The authenticated key's id, holding a connection lease; null once the connection has been refused and closed.</summary>
    public static async Task<string?> RunAsync(
        WebSocket socket, HttpContext context, string connectionId, ApiKeyStore apiKeys, ConnectionLeases leases,
        FailedAuthGate failedAuth, AlertOptions settings)
    {
        var buffer = new byte[AlertOptions.MaxClientFrameBytes];
        var receiving = ClientFrames.ReceiveAsync(socket, buffer, context.RequestAborted);
        if (await Task.WhenAny(receiving, Task.Delay(settings.AuthTimeout, context.RequestAborted)) != receiving)
        {
            await RefuseAsync(socket, $"No auth frame within {settings.AuthTimeout.TotalSeconds:0} s: send {{\"op\":\"auth\",\"api_key\":\"pk_...\"}} first, or the X-API-Key header.");
            return null;
        }

        switch (await receiving)
        {
            case ClientFrame.Text(var length) when ClientOp.Parse(buffer.AsMemory(0, length)) is ClientOp.Auth(var key):
                var apiKeyId = await apiKeys.FindActiveIdAsync(key, context.RequestAborted);
                if (apiKeyId is null)
                {
                    failedAuth.RecordFailure(context);
                    await RefuseAsync(socket, "The api_key is not a valid key.");
                    return null;
                }
                if (!await leases.TryAcquireAsync(apiKeyId, connectionId))
                {
                    await RefuseAsync(socket, leases.LimitReached);
                    return null;
                }
                return apiKeyId;
            case ClientFrame.TooBig:
                await CloseAsync(socket, WebSocketCloseStatus.MessageTooBig, $"frames are limited to {AlertOptions.MaxClientFrameBytes} bytes");
                return null;
            case ClientFrame.Closed:
                await CloseAsync(socket, WebSocketCloseStatus.NormalClosure, "");
                return null;
            default:
                await RefuseAsync(socket, "Authenticate first: send {\"op\":\"auth\",\"api_key\":\"pk_...\"} as the first frame, or the X-API-Key header.");
                return null;
        }
    }

    private static async Task RefuseAsync(WebSocket socket, string message)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await socket.SendAsync(AlertFrames.Error(message), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
            await socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "authentication failed", timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The client is gone already.
        }
    }

    private static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string reason)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await socket.CloseOutputAsync(status, reason, timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The client is gone already.
        }
    }
}
