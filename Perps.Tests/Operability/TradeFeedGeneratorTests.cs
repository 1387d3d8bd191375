using Perps.Api.Contracts;
using Perps.Api.Feed;
using Perps.Api.Validation;
using Perps.Tests.Infrastructure;
using Perps.Webhooks.Events;

namespace Perps.Tests.Operability;

/// <summary>
/// The demo feed is off in the shared fixture, so its generator is tested on its own: what it makes must pass
/// ingestion's validation and read like real trading.
/// </summary>
public sealed class TradeFeedGeneratorTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 15, 10, 30, 0, TimeSpan.Zero);

    [Fact]
    public void GeneratedTradesPassIngestionValidation()
    {
        var wallets = NewWallets(5);

        var trades = Generate(new TradeFeedGenerator(new Random(6)), wallets, count: 3000);

        for (var i = 0; i < trades.Count; i++)
        {
            var errors = new ValidationErrors();
            TradeEventValidator.Validate(trades[i], $"events[{i}]", errors);
            Assert.True(errors.IsEmpty, errors.IsEmpty ? "" : errors.Summary());
        }
        Assert.Equal(EventTypes.All.Order(), trades.Select(t => t.Type).Distinct().Order());
        Assert.All(trades, t => Assert.Contains(t.Data.Owner, wallets));
    }

    [Fact]
    public void GeneratedTradesUseRealMarketsNearRealPricesWithLeverageFromOneToFifty()
    {
        var trades = Generate(new TradeFeedGenerator(new Random(7)), NewWallets(3), count: 3000);

        var opens = trades.Where(t => t.Type == EventTypes.TradeNew).Select(t => t.Data).ToList();
        var markets = opens.Select(d => d.MarketSymbol).ToHashSet();
        Assert.Subset(new HashSet<string> { "SOL-PERP", "BTC-PERP", "ETH-PERP", "JUP-PERP", "WIF-PERP", "AVAX-PERP", "DOGE-PERP", "LINK-PERP" }, markets);
        Assert.Superset(new HashSet<string> { "SOL-PERP", "BTC-PERP", "ETH-PERP" }, markets);
        Assert.All(opens.Where(d => d.MarketSymbol == "SOL-PERP"), d => Assert.InRange(d.EntryPrice, 120, 260));
        Assert.All(opens.Where(d => d.MarketSymbol == "BTC-PERP"), d => Assert.InRange(d.EntryPrice, 65_000, 130_000));
        Assert.All(opens.Where(d => d.MarketSymbol == "ETH-PERP"), d => Assert.InRange(d.EntryPrice, 2_300, 4_600));
        Assert.All(opens, d => Assert.InRange(d.Leverage, 1, 50));
        Assert.All(opens, d => Assert.Equal(Math.Round(d.SizeUsd / d.Leverage, 2), d.Collateral));
        Assert.All(opens, d => Assert.True(d.ExitPrice is null && d.PnlUsd is null));
    }

    [Fact]
    public void EveryCloseOrLiquidationEndsAPositionOpenedBeforeWithConsistentPnl()
    {
        var trades = Generate(new TradeFeedGenerator(new Random(8)), NewWallets(4), count: 3000);

        var open = new List<TradeDataRequest>();
        foreach (var trade in trades)
        {
            var d = trade.Data;
            if (trade.Type == EventTypes.TradeNew)
            {
                open.Add(d);
                continue;
            }

            var opened = open.FindIndex(o => o with { Timestamp = d.Timestamp, ExitPrice = d.ExitPrice, PnlUsd = d.PnlUsd } == d);
            Assert.True(opened >= 0, $"{trade.Type} of a position never opened: {d}");
            open.RemoveAt(opened);
            var direction = d.Side == "long" ? 1 : -1;
            if (trade.Type == EventTypes.TradeLiquidation)
            {
                Assert.Equal(-d.Collateral, d.PnlUsd);
                Assert.True((d.ExitPrice!.Value - d.EntryPrice) * direction < 0, $"a liquidation against the position: {d}");
            }
            else
            {
                Assert.Equal(Math.Round(d.SizeUsd * (d.ExitPrice!.Value - d.EntryPrice) / d.EntryPrice * direction, 2), d.PnlUsd);
                Assert.True(d.PnlUsd > -d.Collateral, $"a close loses less than the margin: {d}");
            }
        }
    }

    [Fact]
    public void NoTradesWithoutWatchedWalletsAndNoneForAWalletNoLongerWatched()
    {
        var generator = new TradeFeedGenerator(new Random(9));
        var wallets = NewWallets(2);
        var (dropped, kept) = (wallets[0], wallets[1]);

        Assert.Null(generator.Next([], Start));
        Generate(generator, [dropped], count: 20);
        var later = Generate(generator, [kept], count: 200);

        Assert.All(later, t => Assert.Equal(kept, t.Data.Owner));
    }

    private static List<TradeEventRequest> Generate(TradeFeedGenerator generator, IReadOnlyList<string> wallets, int count) =>
        Enumerable.Range(0, count).Select(i => generator.Next(wallets, Start.AddSeconds(2 * i))!).ToList();

    private static string[] NewWallets(int count) => Enumerable.Range(0, count).Select(_ => Wallets.NewAddress()).ToArray();
}
