using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Alerts;

/// <summary>
/// What an open connection receives: its key's wallets' trades, as the webhook body plus a cursor, in ingest order,
/// following the watchlist and the subscription, and, after a reconnect with its cursor, exactly what it missed.
/// A trade of the key's own wallet ingested last proves a frame did not come: alerts arrive in order, so anything
/// sent before it would have come first.
/// </summary>
public sealed class AlertDeliveryTests(PerpsAppFixture fixture)
{
    [Fact]
    public async Task AnAlertIsTheWebhookBodyOfTheSameEventWithItsCursorAppended()
    {
        using var user = await fixture.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var endpoint = fixture.Receiver.NewEndpoint();
        await user.CreateWebhookAsync(endpoint);
        var (socket, _) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await using var _ = socket;

        var ids = await fixture.IngestAsync(Trades.Event(wallet, "trade.liquidation", adjust: d => d["sizeUsd"] = 0.1 + 0.2));

        var alert = await socket.ReceiveAsync();
        var webhookBody = (await fixture.Receiver.WaitForAsync(endpoint, 1))[0].BodyText;
        var cursor = JsonNode.Parse(alert!)!["cursor"]!.GetValue<string>();
        Assert.Equal(webhookBody[..^1] + $",\"cursor\":\"{cursor}\"}}", alert);
        Assert.Equal(ids[0], JsonNode.Parse(alert!)!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task AKeyReceivesOnlyItsOwnWalletsTrades()
    {
        using var alice = await fixture.CreateUserAsync("alice");
        using var bob = await fixture.CreateUserAsync("bob");
        var (alicesWallet, bobsWallet) = (Wallets.NewAddress(), Wallets.NewAddress());
        await alice.WatchAsync(alicesWallet);
        await bob.WatchAsync(bobsWallet);
        var (aliceSocket, _) = await AlertSocket.OpenAsync(fixture.App, alice.Key);
        var (bobSocket, _) = await AlertSocket.OpenAsync(fixture.App, bob.Key);
        await using var a = aliceSocket;
        await using var b = bobSocket;

        var bobs = await fixture.IngestAsync(Trades.Event(bobsWallet));
        var alices = await fixture.IngestAsync(Trades.Event(alicesWallet));

        Assert.Equal(alices[0], (await aliceSocket.ReceiveJsonAsync())["id"]!.GetValue<string>());
        Assert.Equal(bobs[0], (await bobSocket.ReceiveJsonAsync())["id"]!.GetValue<string>());
        var bobsSecond = await fixture.IngestAsync(Trades.Event(bobsWallet));
        Assert.Equal(bobsSecond[0], (await bobSocket.ReceiveJsonAsync())["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task SubscribeNarrowsTheEventTypesAndWidensThemBack()
    {
        using var user = await fixture.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var (socket, _) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await using var _ = socket;

        await socket.SendAsync("""{"op":"subscribe","events":["trade.liquidation"]}""");
        var subscribed = await socket.ReceiveJsonAsync();
        Assert.Equal("subscribed", subscribed["type"]!.GetValue<string>());
        Assert.Equal(["trade.liquidation"], subscribed["events"]!.AsArray().Select(e => e!.GetValue<string>()));
        await fixture.IngestAsync(Trades.Event(wallet, "trade.new"), Trades.Event(wallet, "trade.close"));
        var liquidation = await fixture.IngestAsync(Trades.Event(wallet, "trade.liquidation"));
        Assert.Equal(liquidation[0], (await socket.ReceiveJsonAsync())["id"]!.GetValue<string>());

        await socket.SendAsync("""{"op":"subscribe","events":["trade.close","trade.new"]}""");
        Assert.Equal(["trade.new", "trade.close"], (await socket.ReceiveJsonAsync())["events"]!.AsArray().Select(e => e!.GetValue<string>()));
        var opened = await fixture.IngestAsync(Trades.Event(wallet, "trade.new"));
        Assert.Equal(opened[0], (await socket.ReceiveJsonAsync())["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task WatchlistChangesReachAnOpenConnection()
    {
        using var user = await fixture.CreateUserAsync();
        var (kept, added) = (Wallets.NewAddress(), Wallets.NewAddress());
        await user.WatchAsync(kept);
        var (socket, _) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await using var _ = socket;

        await user.WatchAsync(added);
        var ofAdded = await fixture.IngestAsync(Trades.Event(added));
        Assert.Equal(ofAdded[0], (await socket.ReceiveJsonAsync())["id"]!.GetValue<string>());

        (await user.Http.DeleteAsync($"/api/wallets/{added}", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        await fixture.IngestAsync(Trades.Event(added));
        var ofKept = await fixture.IngestAsync(Trades.Event(kept));
        Assert.Equal(ofKept[0], (await socket.ReceiveJsonAsync())["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task AlertsArriveInTheOrderTheEventsWereIngested()
    {
        using var user = await fixture.CreateUserAsync();
        var (first, second) = (Wallets.NewAddress(), Wallets.NewAddress());
        await user.WatchAsync(first);
        await user.WatchAsync(second);
        var (socket, _) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await using var _ = socket;

        var ingested = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            ingested.AddRange(await fixture.IngestAsync(Trades.Event(i % 2 == 0 ? first : second)));
        }
        ingested.AddRange(await fixture.IngestAsync(Enumerable.Range(0, 100).Select(i => (JsonNode)Trades.Event(i % 3 == 0 ? first : second)).ToArray()));

        var received = await socket.ReceiveAlertsAsync(ingested.Count);
        Assert.Equal(ingested, received.Select(a => a["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task AWebhookTestSendIsNobodysAlert()
    {
        using var tester = await fixture.CreateUserAsync("tester");
        using var watcher = await fixture.CreateUserAsync("watcher");
        var webhook = await tester.CreateWebhookAsync(fixture.Receiver.NewEndpoint());
        const string sampleOwner = "DRVRvzf8pSiMJi5BY1NmZu5STahBYKMVcfkPp3vxPump"; // the wallet of the guide's example, which test sends carry
        var ownWallet = Wallets.NewAddress();
        await watcher.WatchAsync(sampleOwner);
        await watcher.WatchAsync(ownWallet);
        var (socket, _) = await AlertSocket.OpenAsync(fixture.App, watcher.Key);
        await using var _ = socket;

        (await tester.Http.PostAsync($"/api/webhooks/{webhook.Id}/test", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var own = await fixture.IngestAsync(Trades.Event(ownWallet));

        Assert.Equal(own[0], (await socket.ReceiveJsonAsync())["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task AResumeAsTheFirstOpReplaysExactlyWhatWasMissedThenContinuesLive()
    {
        using var user = await fixture.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        string cursor;
        List<string> seen;
        var (first, _) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await using (first)
        {
            seen = await fixture.IngestAsync(Trades.Event(wallet), Trades.Event(wallet, "trade.close"));
            var alerts = await first.ReceiveAlertsAsync(2);
            cursor = alerts[^1]["cursor"]!.GetValue<string>();
        }
        var missed = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            missed.AddRange(await fixture.IngestAsync(Trades.Event(wallet)));
        }

        var (second, _) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await using var _ = second;
        await second.SendAsync($$"""{"op":"resume","cursor":"{{cursor}}"}""");
        // Events keep coming while the replay runs: the seam must neither skip nor repeat one.
        var during = IngestOneByOneAsync(wallet, 30);
        var resumed = await second.ReceiveJsonAsync();
        Assert.Equal("resumed", resumed["type"]!.GetValue<string>());
        var live = await during;
        var after = await fixture.IngestAsync(Trades.Event(wallet));

        var expected = missed.Concat(live).Concat(after).ToList();
        var received = await second.ReceiveAlertsAsync(expected.Count);
        Assert.Equal(expected, received.Select(a => a["id"]!.GetValue<string>()));
        Assert.DoesNotContain(received, a => seen.Contains(a["id"]!.GetValue<string>()));
        await second.AssertNothingBeforePongAsync();
    }

    [Fact]
    public async Task AResumeFromTheHeaderReplaysWhatWasMissedAfterAWelcomeNamingTheCursor()
    {
        using var user = await fixture.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var (first, welcome) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        var cursor = welcome["cursor"]!.GetValue<string>();
        await first.DisposeAsync();
        var missed = await fixture.IngestAsync(Trades.Event(wallet), Trades.Event(wallet, "trade.liquidation"));

        var (second, secondWelcome) = await AlertSocket.OpenAsync(fixture.App, user.Key, resumeFrom: cursor);
        await using var _ = second;

        Assert.Equal(cursor, secondWelcome["cursor"]!.GetValue<string>());
        Assert.Equal(missed, (await second.ReceiveAlertsAsync(2)).Select(a => a["id"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("0123456789ab.1.1")]
    public async Task AResumeFromACursorThisLogNeverGaveGetsResyncRequiredAndStaysLive(string cursor)
    {
        using var user = await fixture.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var (socket, welcome) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await using var _ = socket;

        await socket.SendAsync($$"""{"op":"resume","cursor":"{{cursor}}"}""");

        var resync = await socket.ReceiveJsonAsync();
        Assert.Equal("resync_required", resync["type"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(resync["reason"]!.GetValue<string>()));
        Assert.Equal(welcome["cursor"]!.GetValue<string>(), resync["cursor"]!.GetValue<string>());
        var live = await fixture.IngestAsync(Trades.Event(wallet));
        Assert.Equal(live[0], (await socket.ReceiveJsonAsync())["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task AResumeAfterTheFirstOpIsAnError()
    {
        using var user = await fixture.CreateUserAsync();
        var (socket, welcome) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await using var _ = socket;
        await socket.AssertNothingBeforePongAsync();

        await socket.SendAsync($$"""{"op":"resume","cursor":"{{welcome["cursor"]}}"}""");

        Assert.Equal("error", (await socket.ReceiveJsonAsync())["type"]!.GetValue<string>());
    }

    private async Task<List<string>> IngestOneByOneAsync(string wallet, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.AddRange(await fixture.IngestAsync(Trades.Event(wallet)));
        }
        return ids;
    }
}
