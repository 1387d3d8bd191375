using Perps.Tests.Infrastructure;

namespace Perps.Tests.Alerts;

/// <summary>
/// A subscribe that is refused changes nothing, and one that names a type twice means it once. A trade of every
/// type is ingested with the wanted one last: alerts come in order, so an unwanted one would have come first.
/// </summary>
public sealed class AlertSubscriptionEdgeTests(PerpsAppFixture fixture)
{
    [Theory]
    [InlineData("""{"op":"subscribe","events":["trade.new","trade.moon"]}""")]
    [InlineData("""{"op":"subscribe","events":[]}""")]
    [InlineData("""{"op":"subscribe","events":"trade.new"}""")]
    [InlineData("""{"op":"subscribe","events":["trade.new",7]}""")]
    public async Task ARefusedSubscribeLeavesTheSubscriptionAsItWas(string refused)
    {
        using var user = await fixture.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var (socket, _) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await using var _ = socket;
        await socket.SendAsync("""{"op":"subscribe","events":["trade.liquidation"]}""");
        Assert.Equal("subscribed", (await socket.ReceiveJsonAsync()).String("type"));

        await socket.SendAsync(refused);
        Assert.Equal("error", (await socket.ReceiveJsonAsync()).String("type"));
        await fixture.IngestAsync(Trades.Event(wallet, "trade.new"), Trades.Event(wallet, "trade.close"));
        var liquidation = await fixture.IngestAsync(Trades.Event(wallet, "trade.liquidation"));

        Assert.Equal(liquidation, (await socket.ReceiveAlertsAsync(1)).Ids());
        await socket.AssertNothingBeforePongAsync();
    }

    [Fact]
    public async Task ATypeNamedTwiceInASubscribeIsSubscribedOnce()
    {
        using var user = await fixture.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var (socket, _) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await using var _ = socket;

        await socket.SendAsync("""{"op":"subscribe","events":["trade.close","trade.close"]}""");

        var subscribed = await socket.ReceiveJsonAsync();
        Assert.Equal("subscribed", subscribed.String("type"));
        Assert.Equal(["trade.close"], subscribed["events"]!.AsArray().Select(e => e!.GetValue<string>()));
        await fixture.IngestAsync(Trades.Event(wallet, "trade.new"), Trades.Event(wallet, "trade.liquidation"));
        var close = await fixture.IngestAsync(Trades.Event(wallet, "trade.close"));
        Assert.Equal(close, (await socket.ReceiveAlertsAsync(1)).Ids());
        await socket.AssertNothingBeforePongAsync();
    }
}
