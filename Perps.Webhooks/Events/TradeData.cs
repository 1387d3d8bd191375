namespace Perps.Webhooks.Events;

/// <summary>The <c>data</c> object of a trade event, in the order its fields are sent.</summary>
public sealed record TradeData(
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
