using System.Net;
using System.Net.Sockets;

namespace Perps.Webhooks.Security;

/// <summary>
/// The connect step of the delivery client: resolves the host itself and connects only to an address the
/// <see cref="NetworkPolicy"/> allows, so a name that resolves to a private address, or that changes between a
/// check and the connect (DNS rebinding), cannot reach the inside.
/// </summary>
public sealed class SafeConnector(NetworkPolicy policy)
{
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = addresses.Where(policy.IsAllowed).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException(addresses.Length == 0
                ? $"{host} does not resolve"
                : $"refused: {host} resolves only to non-public addresses ({string.Join(", ", addresses.Take(3))})");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
