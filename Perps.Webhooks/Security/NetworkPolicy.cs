using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Perps.Webhooks.Security;

/// <summary>
/// Which addresses a delivery may connect to: public unicast addresses, plus the operator's allow-list. Loopback,
/// private, link-local (cloud metadata), unique-local, multicast and reserved ranges are refused, in IPv4, IPv6 and
/// IPv4-mapped/translated forms. The check runs on the address actually connected to (see <see cref="SafeConnector"/>).
/// </summary>
public sealed class NetworkPolicy
{
    // Checked against the IANA IPv4 and IPv6 Special-Purpose Address Registries. Ranges the registries mark globally
    // reachable (AS112, AMT, the 2001::/23 anycast services) are refused anyway when they sit inside a larger
    // reserved block: no webhook lives there.
    private static readonly IPNetwork[] NonPublic =
    [
        // IPv4
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"),
        IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.0.2.0/24"), IPNetwork.Parse("192.88.99.0/24"),
        IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("198.51.100.0/24"),
        IPNetwork.Parse("203.0.113.0/24"), IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"),
        // IPv6 (IPv4-mapped ::ffff:0:0/96 and NAT64 64:ff9b::/96 are unwrapped and checked as IPv4 instead)
        IPNetwork.Parse("::/96"), // IPv4-compatible (deprecated), with :: and ::1; never unwrapped: nothing routes it
        IPNetwork.Parse("::ffff:0:0:0/96"), // IPv4-translated (RFC 2765), a stateless translator's own addresses
        IPNetwork.Parse("::1/128"), IPNetwork.Parse("64:ff9b:1::/48"),
        IPNetwork.Parse("100::/64"), IPNetwork.Parse("100:0:0:1::/64"), IPNetwork.Parse("2001::/23"), IPNetwork.Parse("2001:db8::/32"),
        IPNetwork.Parse("2002::/16"), IPNetwork.Parse("3fff::/20"), IPNetwork.Parse("5f00::/16"),
        IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("fec0::/10"), IPNetwork.Parse("ff00::/8"),
    ];

    /// <summary>IPv6 global unicast: every public IPv6 address is in it, so anything outside (unassigned space included) is refused.</summary>
    private static readonly IPNetwork GlobalUnicast = IPNetwork.Parse("2000::/3");

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");

    private readonly IPNetwork[] _allowed;

    public NetworkPolicy(IOptions<SecurityOptions> options)
    {
        _allowed = options.Value.AllowedNetworks.Select(IPNetwork.Parse).ToArray();
    }

    public bool IsAllowed(IPAddress address)
    {
        var normalized = Normalize(address);
        return _allowed.Any(n => n.Contains(normalized) || n.Contains(address)) || IsPublic(normalized);
    }

    /// <summary>What to tell a user whose URL names an address that is refused; null when it is allowed.</summary>
    public string? Refusal(Uri url)
    {
        if (IPAddress.TryParse(url.IdnHost, out var literal))
        {
            return IsAllowed(literal) ? null : $"points to {literal}, a loopback, private, link-local or reserved address; deliveries go to public addresses only";
        }
        var host = url.IdnHost.TrimEnd('.');
        var isLocalName = host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
        return isLocalName && !IsAllowed(IPAddress.Loopback)
            ? $"points to {host}, which is this machine; deliveries go to public addresses only"
            : null;
    }

    private static bool IsPublic(IPAddress address) =>
        (address.AddressFamily == AddressFamily.InterNetwork
            || address.AddressFamily == AddressFamily.InterNetworkV6 && GlobalUnicast.Contains(address))
        && !NonPublic.Any(n => n.Contains(address));

    /// <summary>IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) addresses are judged by the IPv4 inside.</summary>
    private static IPAddress Normalize(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && Nat64.Contains(address))
        {
            var bytes = address.GetAddressBytes();
            return new IPAddress(bytes.AsSpan(12, 4));
        }
        return address;
    }
}
