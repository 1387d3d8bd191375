using Perps.Tests.Infrastructure;

namespace Perps.Tests.Delivery;

public sealed class FanOutTests(PerpsAppFixture app)
{
    [Fact]
    public async Task TradeReachesEveryWatchersWebhooksSubscribedToItsTypeAndNoOthers()
    {
        var wallet = Wallets.NewAddress();
        using var alice = await app.CreateUserAsync("alice");
        using var bob = await app.CreateUserAsync("bob");
        using var carol = await app.CreateUserAsync("carol"); // has a webhook but does not watch the wallet
        await alice.WatchAsync(wallet);
        await bob.WatchAsync(wallet);
        var aliceNew = await alice.CreateWebhookAsync(app.Receiver.NewEndpoint(), "trade.new");
        var aliceAll = await alice.CreateWebhookAsync(app.Receiver.NewEndpoint());
        var aliceClose = await alice.CreateWebhookAsync(app.Receiver.NewEndpoint(), "trade.close");
        var bobNew = await bob.CreateWebhookAsync(app.Receiver.NewEndpoint(), "trade.new", "trade.liquidation");
        var carolAll = await carol.CreateWebhookAsync(app.Receiver.NewEndpoint());

        var eventId = (await app.IngestAsync(Trades.Event(wallet, "trade.new")))[0];

        foreach (var webhook in new[] { aliceNew, aliceAll, bobNew })
        {
            var request = Assert.Single(await app.Receiver.WaitForAsync(webhook.Url, 1));
            Assert.Equal(eventId, Signatures.Parse(request)["id"]!.GetValue<string>());
            Assert.Equal(webhook.Id, request.Header("X-Webhook-ID"));
            Assert.True(Signatures.VerifiesRaw(request, webhook.Secret), "each webhook signs with its own secret");
        }
        await Quiet.WaitAsync(TestContext.Current.CancellationToken);
        Assert.Empty(app.Receiver.Received(aliceClose.Url));
        Assert.Empty(app.Receiver.Received(carolAll.Url));
        Assert.Single(app.Receiver.Received(aliceNew.Url));
        var deliveryIds = new[] { aliceNew, aliceAll, bobNew }.Select(w => app.Receiver.Received(w.Url)[0].Header("X-Delivery-ID"));
        Assert.Equal(3, deliveryIds.Distinct().Count());
    }

    [Fact]
    public async Task TradeOfAnUnwatchedWalletIsDeliveredToNobody()
    {
        using var user = await app.CreateUserAsync();
        await user.WatchAsync(Wallets.NewAddress());
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());

        await app.IngestAsync(Trades.Event(Wallets.NewAddress()));

        await Quiet.WaitAsync(TestContext.Current.CancellationToken);
        Assert.Empty(app.Receiver.Received(webhook.Url));
    }

    [Fact]
    public async Task BatchOfTradesIsDeliveredOnceEachWithItsOwnEventId()
    {
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());

        var ids = await app.IngestAsync(Enumerable.Range(0, 50).Select(_ => Trades.Event(wallet, "trade.close")).ToArray());

        var received = await app.Receiver.WaitForAsync(webhook.Url, 50);
        await Quiet.WaitAsync(TestContext.Current.CancellationToken);
        received = app.Receiver.Received(webhook.Url);
        Assert.Equal(ids.Order(), received.Select(r => Signatures.Parse(r)["id"]!.GetValue<string>()).Order());
        Assert.All(received, r => Assert.True(Signatures.VerifiesRaw(r, webhook.Secret)));
    }

    [Fact]
    public async Task DeletedWebhookReceivesNothingMore()
    {
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());
        Assert.True((await user.Http.DeleteAsync($"/api/webhooks/{webhook.Id}", TestContext.Current.CancellationToken)).IsSuccessStatusCode);

        await app.IngestAsync(Trades.Event(wallet));

        await Quiet.WaitAsync(TestContext.Current.CancellationToken);
        Assert.Empty(app.Receiver.Received(webhook.Url));
    }
}
