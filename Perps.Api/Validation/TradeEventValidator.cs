using System.Globalization;
using System.Text.RegularExpressions;
using Perps.Api.Contracts;
using Perps.Webhooks.Events;

namespace Perps.Api.Validation;

/// <summary>Checks one ingested trade, naming each bad field by its path (<c>events[3].data.sizeUsd</c>).</summary>
internal static partial class TradeEventValidator
{
    /// <summary>The longest market symbol a trade may carry (and so a trade filter may name).</summary>
    public const int MaxMarketSymbolLength = 64;

    public const int MaxIdLength = 100;

    public static void Validate(TradeEventRequest trade, string path, ValidationErrors errors)
    {
        if (trade.Id is not null && !IdPattern().IsMatch(trade.Id))
        {
            errors.Add($"{path}.id", $"must be evt_ followed by 1 to {MaxIdLength - 4} letters, digits, '_' or '-'");
        }
        if (!EventTypes.IsKnown(trade.Type))
        {
            errors.Add($"{path}.type", $"must be one of {string.Join(", ", EventTypes.All)}");
        }

        var data = trade.Data;
        var dataPath = $"{path}.data";
        if (!Base58.IsSolanaAddress(data.Owner))
        {
            errors.Add($"{dataPath}.owner", "must be a Solana address: base58 that decodes to 32 bytes");
        }
        if (data.MarketSymbol.Length is 0 or > MaxMarketSymbolLength || data.MarketSymbol.Any(char.IsSurrogate) && !IsWellFormed(data.MarketSymbol))
        {
            errors.Add($"{dataPath}.marketSymbol", $"must be 1 to {MaxMarketSymbolLength} characters");
        }
        if (!TradeSides.IsKnown(data.Side))
        {
            errors.Add($"{dataPath}.side", "must be long or short");
        }
        Positive(data.SizeUsd, $"{dataPath}.sizeUsd", errors);
        Positive(data.Leverage, $"{dataPath}.leverage", errors);
        Positive(data.EntryPrice, $"{dataPath}.entryPrice", errors);
        if (!double.IsFinite(data.Collateral) || data.Collateral < 0)
        {
            errors.Add($"{dataPath}.collateral", "must be a finite number, zero or more");
        }
        if (!DateTimeOffset.TryParseExact(data.Timestamp, IsoFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            errors.Add($"{dataPath}.timestamp", "must be an ISO 8601 date-time with a zone, such as 2025-01-15T10:30:00Z");
        }

        var hasExit = trade.Type is not null && EventTypes.HasExit(trade.Type);
        if (data.ExitPrice is { } exitPrice)
        {
            if (!hasExit)
            {
                errors.Add($"{dataPath}.exitPrice", "is only allowed on trade.close and trade.liquidation");
            }
            Positive(exitPrice, $"{dataPath}.exitPrice", errors);
        }
        if (data.PnlUsd is { } pnl)
        {
            if (!hasExit)
            {
                errors.Add($"{dataPath}.pnlUsd", "is only allowed on trade.close and trade.liquidation");
            }
            if (!double.IsFinite(pnl))
            {
                errors.Add($"{dataPath}.pnlUsd", "must be a finite number");
            }
        }
    }

    // Not K: it also matches no zone at all, and a zone-less time means nothing to a receiver.
    private static readonly string[] IsoFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
        "yyyy-MM-dd'T'HH:mm:sszzz", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
    ];

    private static void Positive(double value, string field, ValidationErrors errors)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            errors.Add(field, "must be a finite number above zero");
        }
    }

    private static bool IsWellFormed(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return false;
            }
        }
        return true;
    }

    // \z, not $: $ also matches before a final \n, which would let "evt_x\n" in as an id of its own beside "evt_x".
    [GeneratedRegex(@"\Aevt_[A-Za-z0-9_-]{1,96}\z")]
    private static partial Regex IdPattern();
}
