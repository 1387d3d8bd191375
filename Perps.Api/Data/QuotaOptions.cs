namespace Perps.Api.Data;

/// <summary>
/// Section <c>Quotas</c>: how much one API key may own. Every delivery of a trade fans out to the watchers' webhooks,
/// so an unbounded key could make one trade cost thousands of requests.
/// </summary>
public sealed class QuotaOptions
{
    public const string Section = "Quotas";

    public int MaxWebhooksPerKey { get; set; } = 50;

    public int MaxWalletsPerKey { get; set; } = 1000;
}
