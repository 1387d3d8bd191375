namespace Perps.Webhooks.Events;

/// <summary>The sample trade sent by <c>POST /api/webhooks/{id}/test</c>: the guide's own example.</summary>
public static class SampleEvents
{
    public static TradeData For(string type) => new(
        Owner: "DRVRvzf8pSiMJi5BY1NmZu5STahBYKMVcfkPp3vxPump",
        MarketSymbol: "SOL-PERP",
        Side: "long",
        SizeUsd: 15000.50,
        Leverage: 5.2,
        EntryPrice: 185.42,
        Collateral: 2884.71,
        Timestamp: "2025-01-15T10:30:00Z",
        ExitPrice: EventTypes.HasExit(type) ? 191.07 : null,
        PnlUsd: EventTypes.HasExit(type) ? 457.2 : null);
}
