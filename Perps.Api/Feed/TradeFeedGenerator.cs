using System.Globalization;
using Perps.Api.Contracts;
using Perps.Webhooks.Events;

namespace Perps.Api.Feed;

/// <summary>
/// Plausible perpetual-futures trades for watched wallets: positions opened on real markets near real prices, and
/// later closed with a profit or loss, or (rarely, more often at high leverage) liquidated. Deterministic for a given
/// <see cref="Random"/> and inputs, and it touches nothing outside itself, so it is tested on its own.
/// </summary>
internal sealed class TradeFeedGenerator(Random random)
{
    private sealed record Market(string Symbol, double Price, int Decimals, int Weight);

    private static readonly Market[] Markets =
    [
        new("SOL-PERP", 185.42, 2, 30),
        new("BTC-PERP", 97_250, 1, 25),
        new("ETH-PERP", 3_420, 2, 20),
        new("JUP-PERP", 0.92, 4, 6),
        new("WIF-PERP", 2.15, 4, 6),
        new("AVAX-PERP", 38.6, 3, 5),
        new("DOGE-PERP", 0.38, 5, 5),
        new("LINK-PERP", 23.4, 3, 3),
    ];

    private static readonly int TotalWeight = Markets.Sum(m => m.Weight);

    private readonly Dictionary<string, double> _prices = Markets.ToDictionary(m => m.Symbol, m => m.Price, StringComparer.Ordinal);
    private readonly List<TradeDataRequest> _open = [];

    /// <summary>Positions opened and not yet closed or liquidated.</summary>
    public int OpenPositions => _open.Count;

    /// <summary>
    /// The next trade: the close or liquidation of an open position (likelier the more are open), else a new position
    /// for one of <paramref name="wallets"/>, favouring the first (the most recently watched). Null with no wallets.
    /// </summary>
    public TradeEventRequest? Next(IReadOnlyList<string> wallets, DateTimeOffset now)
    {
        // A wallet no longer watched has nobody to tell about its positions.
        var watched = wallets.ToHashSet(StringComparer.Ordinal);
        _open.RemoveAll(p => !watched.Contains(p.Owner));
        if (wallets.Count == 0)
        {
            return null;
        }

        var timestamp = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        if (_open.Count > 0 && random.NextDouble() < _open.Count / (_open.Count + 2.0))
        {
            var i = random.Next(_open.Count);
            var position = _open[i];
            _open.RemoveAt(i);
            return Exit(position, timestamp);
        }

        var u = random.NextDouble();
        var owner = wallets[(int)(wallets.Count * u * u)];
        var opened = Open(owner, timestamp);
        _open.Add(opened);
        return new TradeEventRequest(EventTypes.TradeNew, opened);
    }

    private TradeDataRequest Open(string owner, string timestamp)
    {
        var market = PickMarket();
        // The market drifts a little between trades, pulled back towards its usual level.
        var last = _prices[market.Symbol];
        var price = _prices[market.Symbol] = last * (1 + 0.004 * Gaussian()) + 0.02 * (market.Price - last);
        var leverage = Math.Round(1 + 49 * Math.Pow(random.NextDouble(), 2.5), 1); // 1x–50x, mostly low
        var sizeUsd = Math.Round(Math.Exp(Lerp(Math.Log(50), Math.Log(250_000), random.NextDouble())), 2);
        return new TradeDataRequest(
            Owner: owner,
            MarketSymbol: market.Symbol,
            Side: random.NextDouble() < 0.55 ? "long" : "short",
            SizeUsd: sizeUsd,
            Leverage: leverage,
            EntryPrice: RoundPrice(price, market.Decimals),
            Collateral: Math.Round(sizeUsd / leverage, 2),
            Timestamp: timestamp);
    }

    private TradeEventRequest Exit(TradeDataRequest position, string timestamp)
    {
        var decimals = Markets.First(m => m.Symbol == position.MarketSymbol).Decimals;
        var direction = position.Side == "long" ? 1 : -1;
        var liquidated = random.NextDouble() < 0.04 + 0.25 * position.Leverage / 50;

        // A liquidation is the price moving ~90% of the margin against the position; a close is a smaller move
        // either way, never losing more than 80% of the margin.
        var move = liquidated
            ? -direction * 0.9 / position.Leverage
            : direction * Math.Max(0.02 * Gaussian(), -0.8 / position.Leverage);
        var exitPrice = RoundPrice(position.EntryPrice * (1 + move), decimals);
        var pnlUsd = liquidated
            ? -position.Collateral
            : Math.Round(position.SizeUsd * (exitPrice - position.EntryPrice) / position.EntryPrice * direction, 2);

        return new TradeEventRequest(
            liquidated ? EventTypes.TradeLiquidation : EventTypes.TradeClose,
            position with { Timestamp = timestamp, ExitPrice = exitPrice, PnlUsd = pnlUsd });
    }

    private Market PickMarket()
    {
        var pick = random.Next(TotalWeight);
        foreach (var market in Markets)
        {
            if ((pick -= market.Weight) < 0)
            {
                return market;
            }
        }
        return Markets[0];
    }

    /// <summary>A standard normal sample (Box–Muller).</summary>
    private double Gaussian() =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static double Lerp(double from, double to, double t) => from + (to - from) * t;

    private static double RoundPrice(double price, int decimals) => Math.Max(Math.Round(price, decimals), Math.Pow(10, -decimals));
}
