using System.Net.Sockets;
using System.Text;
using Aspire.Hosting;

namespace Perps.Tests.Infrastructure;

/// <summary>
/// An alert client whose host went away without closing: it completes the upgrade, then reads what the server sends
/// but answers nothing, not even the keep-alive pings (ClientWebSocket always answers them, so this speaks raw TCP).
/// </summary>
public sealed class SilentAlertClient : IAsyncDisposable
{
    private const byte PingOpcode = 0x9;

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private SilentAlertClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>Opens the connection with the key in the header; fails unless the server answers 101.</summary>
    public static async Task<SilentAlertClient> ConnectAsync(DistributedApplication app, string apiKey)
    {
        var endpoint = app.GetEndpoint("api", "http");
        var tcp = new TcpClient();
        using var timeout = new CancellationTokenSource(AlertSocket.FrameTimeout);
        await tcp.ConnectAsync(endpoint.Host, endpoint.Port, timeout.Token);
        var client = new SilentAlertClient(tcp);
        var request = $"GET /api/alerts HTTP/1.1\r\nHost: {endpoint.Authority}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
            $"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {Convert.ToBase64String(Guid.NewGuid().ToByteArray())}\r\nX-API-Key: {apiKey}\r\n\r\n";
        await client._stream.WriteAsync(Encoding.ASCII.GetBytes(request), timeout.Token);
        var head = await client.ReadHeadAsync(timeout.Token);
        Assert.True(head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal), $"Expected 101 Switching Protocols, got {head}");
        return client;
    }

    /// <summary>Reads frames without answering any until the server drops the connection; returns how many pings it sent first.</summary>
    public async Task<int> ReadUntilDroppedAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var pings = 0;
        var header = new byte[2];
        try
        {
            while (true)
            {
                await _stream.ReadExactlyAsync(header, cts.Token);
                var length = (long)(header[1] & 0x7F); // the server's frames are unmasked
                if (length >= 126)
                {
                    var extended = new byte[length == 126 ? 2 : 8];
                    await _stream.ReadExactlyAsync(extended, cts.Token);
                    length = extended.Aggregate(0L, (value, b) => (value << 8) | b);
                }
                await _stream.ReadExactlyAsync(new byte[length], cts.Token);
                pings += (header[0] & 0x0F) == PingOpcode ? 1 : 0;
            }
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException)
        {
            return pings; // dropped (FIN or reset)
        }
    }

    private async Task<string> ReadHeadAsync(CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            await _stream.ReadExactlyAsync(one, cancellationToken);
            head.Append((char)one[0]);
        }
        return head.ToString();
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
