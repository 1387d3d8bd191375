using System.Text.Json;
using System.Text.Json.Serialization;
using Perps.Api.Contracts;
using Perps.Api.Validation;

namespace Perps.Api.Alerts;

/// <summary>
/// A connection's trade filters: the webhooks' <see cref="TradeFilters"/>, read and validated by the same rules
/// (<see cref="TradeFilterRules"/>), tested here in memory against each event's facts (for webhooks, the fan-out
/// tests them in SQL). Every condition given must hold; an absent one matches every trade.
/// </summary>
internal static class TradeFilterMatch
{
    /// <summary>Strict, as the API's bodies: snake_case, exact types, no unknown or repeated members.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.Strict,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        AllowDuplicateProperties = false,
    };

    public static bool Passes(TradeFilters? filters, TradeFacts? trade) =>
        filters is null || trade is not null
            && (filters.Markets is null || filters.Markets.Contains(trade.Market, StringComparer.Ordinal))
            && (filters.Sides is null || filters.Sides.Contains(trade.Side, StringComparer.Ordinal))
            && (filters.MinSizeUsd is null || trade.SizeUsd >= filters.MinSizeUsd)
            && (filters.MinLeverage is null || trade.Leverage >= filters.MinLeverage)
            && (filters.Wallets is null || filters.Wallets.Contains(trade.Owner, StringComparer.Ordinal));

    /// <summary>The <c>filters</c> member of a subscribe op: the filters, or why they cannot be used.</summary>
    public static (TradeFilters? Filters, string? Error) Read(JsonElement element)
    {
        TradeFilters? filters;
        try
        {
            filters = element.ValueKind == JsonValueKind.Object ? element.Deserialize<TradeFilters>(Json) : null;
        }
        catch (JsonException)
        {
            filters = null;
        }
        if (filters is null)
        {
            return (null, "\"filters\" must be an object of markets, sides, min_size_usd, min_leverage and wallets, with the webhooks' types.");
        }
        var errors = new ValidationErrors();
        TradeFilterRules.Validate(filters, errors);
        return errors.IsEmpty ? (filters == new TradeFilters() ? null : filters, null) : (null, errors.Summary());
    }
}
