namespace Perps.Api.Data;

/// <summary>
/// A webhook's trade filter, as its five columns (<c>filter_markets</c>, <c>filter_sides</c>, <c>filter_min_size_usd</c>,
/// <c>filter_min_leverage</c>, <c>filter_wallets</c>) hold it: a null member stores no condition.
/// </summary>
internal sealed record TradeFilterColumns(
    string[]? Markets = null,
    string[]? Sides = null,
    double? MinSizeUsd = null,
    double? MinLeverage = null,
    string[]? Wallets = null);
