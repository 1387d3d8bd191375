using System.Net;
using Microsoft.Extensions.Options;

namespace Perps.Api.RateLimits;

/// <summary>
/// The address a request is counted against: the connection's peer, or, when that peer is a trusted proxy, the
/// address the proxy put last in <c>X-Forwarded-For</c> (earlier entries are the client's own word and prove nothing).
/// </summary>
internal sealed class ClientAddress(IOptions<RateLimitOptions> options)
{
    private readonly IPNetwork[] _trustedProxies = options.Value.TrustedProxies.Select(IPNetwork.Parse).ToArray();

    public string Of(HttpContext context)
    {
        var peer = context.Connection.RemoteIpAddress is { } remote ? Normalize(remote) : IPAddress.None;
        if (_trustedProxies.Any(n => n.Contains(peer))
            && context.Request.Headers["X-Forwarded-For"].ToString().Split(',') is [.., var last]
            && IPEndPoint.TryParse(last.Trim(), out var forwarded))
        {
            return Normalize(forwarded.Address).ToString();
        }
        return peer.ToString();
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
