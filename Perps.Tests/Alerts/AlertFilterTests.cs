using Perps.Tests.Infrastructure;

namespace Perps.Tests.Alerts;

/// <summary>
/// Trade filters on an alert connection: the webhooks' filters, set with the subscribe op; only trades meeting every
/// condition arrive. The wanted trade is ingested last: alerts come in order, so an unwanted one would come first.
/// </summary>
public sealed class AlertFilterTests(PerpsAppFixture fixture)
{
    [Fact]
    public async Task ASubscribeWithFiltersReceivesOnlyTheTradesMeetingThem()
    {
        using var user = await fixture.CreateUserAsync();
        var whale = Wallets.NewAddress();
        var other = Wallets.NewAddress();
        await user.WatchAsync(whale);
        await user.WatchAsync(other);
        var (socket, _) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await using var _ = socket;

        await socket.SendAsync($$$"""
            {"op":"subscribe","events":["trade.new","trade.close"],
             "filters":{"markets":["SOL-PERP"],"sides":["long"],"min_size_usd":10000,"min_leverage":5,"wallets":["{{{whale}}}"]}}
            """);
        var subscribed = await socket.ReceiveJsonAsync();
        Assert.Equal("subscribed", subscribed.String("type"));
        Assert.Equal(10000, subscribed["filters"]!["min_size_usd"]!.GetValue<double>());

        await fixture.IngestAsync(
            Trades.Event(whale, "trade.liquidation"),
            Trades.Event(whale, adjust: d => d["marketSymbol"] = "BTC-PERP"),
            Trades.Event(whale, adjust: d => d["side"] = "short"),
            Trades.Event(whale, adjust: d => d["sizeUsd"] = 9999.99),
            Trades.Event(whale, adjust: d => d["leverage"] = 4),
            Trades.Event(other));
        var wanted = await fixture.IngestAsync(Trades.Event(whale, "trade.close"));

        Assert.Equal(wanted, (await socket.ReceiveAlertsAsync(1)).Ids());
        await socket.AssertNothingBeforePongAsync();

        // {} (or no filters) lifts them.
        await socket.SendAsync("""{"op":"subscribe","events":["trade.new"],"filters":{}}""");
        Assert.Equal("subscribed", (await socket.ReceiveJsonAsync()).String("type"));
        var any = await fixture.IngestAsync(Trades.Event(other, adjust: d => d["sizeUsd"] = 5));
        Assert.Equal(any, (await socket.ReceiveAlertsAsync(1)).Ids());
    }

    [Theory]
    [InlineData("""{"op":"subscribe","events":["trade.new"],"filters":{"market":["SOL-PERP"]}}""")]
    [InlineData("""{"op":"subscribe","events":["trade.new"],"filters":{"min_size_usd":-1}}""")]
    [InlineData("""{"op":"subscribe","events":["trade.new"],"filters":{"markets":[]}}""")]
    [InlineData("""{"op":"subscribe","events":["trade.new"],"filters":{"sides":"long"}}""")]
    [InlineData("""{"op":"subscribe","events":["trade.new"],"filters":["SOL-PERP"]}""")]
    public async Task BadFiltersAreRefusedAndLeaveTheSubscriptionAsItWas(string refused)
    {
        using var user = await fixture.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var (socket, _) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await using var _ = socket;

        await socket.SendAsync(refused);
        Assert.Equal("error", (await socket.ReceiveJsonAsync()).String("type"));
        var small = await fixture.IngestAsync(Trades.Event(wallet, adjust: d => d["sizeUsd"] = 5));
        Assert.Equal(small, (await socket.ReceiveAlertsAsync(1)).Ids());
    }
}
