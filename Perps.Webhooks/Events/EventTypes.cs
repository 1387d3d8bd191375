namespace Perps.Webhooks.Events;

public static class EventTypes
{
    public const string TradeNew = "trade.new";
    public const string TradeClose = "trade.close";
    public const string TradeLiquidation = "trade.liquidation";

    public static readonly IReadOnlyList<string> All = [TradeNew, TradeClose, TradeLiquidation];

    public static bool IsKnown(string? type) => type is TradeNew or TradeClose or TradeLiquidation;

    /// <summary>Only closes and liquidations carry an exit price and a realised PnL.</summary>
    public static bool HasExit(string type) => type is TradeClose or TradeLiquidation;
}
