using System.Net;
using Microsoft.Extensions.Options;
using Perps.Webhooks.Security;

namespace Perps.Tests.Security;

/// <summary>The address rules alone, no app: one address inside every refused range, and public ones beside them.</summary>
public sealed class NetworkPolicyTests
{
    [Theory]
    // IPv4 (IANA IPv4 Special-Purpose Address Registry, plus multicast and broadcast)
    [InlineData("0.1.2.3")]
    [InlineData("10.255.255.255")]
    [InlineData("100.64.0.1")]
    [InlineData("127.0.0.1")]
    [InlineData("169.254.169.254")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.0.0.8")]
    [InlineData("192.0.2.1")]
    [InlineData("192.88.99.1")]
    [InlineData("192.168.1.1")]
    [InlineData("198.18.0.1")]
    [InlineData("198.51.100.1")]
    [InlineData("203.0.113.1")]
    [InlineData("224.0.0.1")]
    [InlineData("240.0.0.1")]
    [InlineData("255.255.255.255")]
    // IPv6 (IANA IPv6 Special-Purpose Address Registry)
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("::a00:1")] // IPv4-compatible ::10.0.0.1
    [InlineData("::808:808")] // IPv4-compatible ::8.8.8.8: deprecated, refused even around a public address
    [InlineData("::ffff:0:a00:1")] // IPv4-translated ::ffff:0:10.0.0.1
    [InlineData("::ffff:0:808:808")] // IPv4-translated ::ffff:0:8.8.8.8
    [InlineData("::ffff:127.0.0.1")] // IPv4-mapped, judged by the IPv4 inside
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("64:ff9b::a9fe:a9fe")] // NAT64 169.254.169.254
    [InlineData("64:ff9b:1::1")]
    [InlineData("100::1")]
    [InlineData("100:0:0:1::1")]
    [InlineData("2001::1")]
    [InlineData("2001:db8::1")]
    [InlineData("2002:a00:1::1")]
    [InlineData("3fff::1")]
    [InlineData("5f00::1")]
    [InlineData("fc00::1")]
    [InlineData("fd00::1")]
    [InlineData("fe80::1")]
    [InlineData("fec0::1")]
    [InlineData("ff02::1")]
    [InlineData("4000::1")] // outside global unicast 2000::/3: unassigned
    public void NonPublicAddressIsRefused(string address) =>
        Assert.False(Policy().IsAllowed(IPAddress.Parse(address)), address);

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")] // NAT64 8.8.8.8
    public void PublicAddressIsAllowed(string address) =>
        Assert.True(Policy().IsAllowed(IPAddress.Parse(address)), address);

    [Fact]
    public void AllowListOpensOnlyTheNetworksItNames()
    {
        var policy = Policy("10.1.2.0/24");

        Assert.True(policy.IsAllowed(IPAddress.Parse("10.1.2.3")));
        Assert.True(policy.IsAllowed(IPAddress.Parse("::ffff:10.1.2.3")));
        Assert.False(policy.IsAllowed(IPAddress.Parse("10.1.3.3")));
        Assert.False(policy.IsAllowed(IPAddress.Parse("127.0.0.1")));
        Assert.False(policy.IsAllowed(IPAddress.Parse("::ffff:0:a01:203"))); // IPv4-translated 10.1.2.3 is not the allowed address
    }

    private static NetworkPolicy Policy(params string[] allowed) =>
        new(Options.Create(new SecurityOptions { AllowedNetworks = allowed }));
}
