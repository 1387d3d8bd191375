namespace Perps.Webhooks.Events;

public static class EventTypes
{
    public const string TradeNew = "trade.new";
    public const string TradeClose = "trade.close";
    public const string TradeLiquidation = "trade.liquidation";

    /// <summary>Operational: one of the owner's endpoints was disabled (see <see cref="Lifecycle.DeliveryRecorder"/>).</summary>
    public const string WebhookDisabled = "webhook.disabled";

    /// <summary>The trade events: what is ingested, alerted and filtered.</summary>
    public static readonly IReadOnlyList<string> All = [TradeNew, TradeClose, TradeLiquidation];

    /// <summary>What a webhook may subscribe to: the trade events and the operational ones.</summary>
    public static readonly IReadOnlyList<string> Subscribable = [.. All, WebhookDisabled];

    public static bool IsKnown(string? type) => type is TradeNew or TradeClose or TradeLiquidation;

    public static bool IsSubscribable(string? type) => IsKnown(type) || type is WebhookDisabled;

    /// <summary>Only closes and liquidations carry an exit price and a realised PnL.</summary>
    public static bool HasExit(string type) => type is TradeClose or TradeLiquidation;
}
