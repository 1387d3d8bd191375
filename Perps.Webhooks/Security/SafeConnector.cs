using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Perps.Webhooks.Security;

/// <summary>
/// The connect step of the delivery client: resolves the host itself and connects only to an address the
/// <see cref="NetworkPolicy"/> allows, so a name that resolves to a private address, or that changes between a
/// check and the connect (DNS rebinding), cannot reach the inside.
/// </summary>
/// <remarks>
/// The refusal a user sees (in a test send's answer and the delivery history) is the same whether the name resolves
/// to inside addresses or not at all, and names no address: anything more would let a user map the internal network
/// and its DNS through webhook URLs. What was resolved goes to the server log only.
/// </remarks>
public sealed class SafeConnector(NetworkPolicy policy, ILogger<SafeConnector> logger)
{
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        }
        catch (SocketException ex)
        {
            Log.RefusedUnresolved(logger, ex, host);
            throw Refused(host);
        }
        var allowed = addresses.Where(policy.IsAllowed).ToArray();
        if (allowed.Length == 0)
        {
            if (addresses.Length == 0)
            {
                Log.RefusedUnresolved(logger, null, host);
            }
            else
            {
                Log.RefusedNonPublic(logger, host, string.Join(", ", addresses.Take(8)));
            }
            throw Refused(host);
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

    private static HttpRequestException Refused(string host) =>
        new($"refused: {host} does not resolve to an address deliveries may reach (public addresses only)");
}
