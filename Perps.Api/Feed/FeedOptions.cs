namespace Perps.Api.Feed;

/// <summary>The demo trade feed (section <c>Feed</c>): off unless <c>Feed:Enabled</c> is true, for local runs.</summary>
internal sealed class FeedOptions
{
    public const string Section = "Feed";

    public bool Enabled { get; set; }

    /// <summary>One event per interval, across all watched wallets.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the watched wallets are read again, so a wallet just added soon gets trades.</summary>
    public TimeSpan WalletRefresh { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most recently watched wallets the feed trades for; the rest stay quiet.</summary>
    public int MaxWallets { get; set; } = 1000;
}
