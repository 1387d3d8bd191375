namespace Perps.SampleReceiver.Webhooks;

/// <summary>The body Perps posts: <c>{"id","type","created","data":{...}}</c>.</summary>
internal sealed record WebhookEvent(string Id, string Type, long Created, Trade Data);

/// <summary>The <c>data</c> of a trade event; <c>exitPrice</c> and <c>pnlUsd</c> come with closes and liquidations.</summary>
internal sealed record Trade(
    string Owner,
    string MarketSymbol,
    string Side,
    double SizeUsd,
    double Leverage,
    double EntryPrice,
    double Collateral,
    string Timestamp,
    double? ExitPrice = null,
    double? PnlUsd = null);
