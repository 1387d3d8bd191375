namespace Perps.Webhooks.Security;

/// <summary>Section <c>Security</c>: where deliveries may go besides the public internet.</summary>
public sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>
    /// Networks (CIDR, e.g. <c>127.0.0.0/8</c>, <c>10.1.2.0/24</c>) that deliveries may reach although they are not
    /// public. Empty by default: production reaches only public addresses. Local runs and tests allow loopback here.
    /// </summary>
    public string[] AllowedNetworks { get; set; } = [];
}
