using System.Net;
using System.Text.Json.Nodes;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Alerts;

/// <summary>
/// Alerts at their limits, on an app with two API replicas, a send queue of 16 frames and a replay window of 30 s
/// or 100 events: a client that stops reading, a cursor too old to serve, and connections spread over replicas.
/// </summary>
public sealed class AlertLimitsTests(TightAlertsApp tight) : IClassFixture<TightAlertsApp>
{
    [Fact]
    public async Task ASlowConsumerIsClosedWith1013AndResumesWithoutLossWhileOthersKeepReceiving()
    {
        using var slowUser = await tight.App.CreateUserAsync("slow");
        using var busyUser = await tight.App.CreateUserAsync("busy");
        var (slowWallet, busyWallet) = (Wallets.NewAddress(), Wallets.NewAddress());
        await slowUser.WatchAsync(slowWallet);
        await busyUser.WatchAsync(busyWallet);
        var (slow, welcome) = await AlertSocket.OpenAsync(tight.App, slowUser.Key, tcpReceiveBuffer: 4096);
        var (busy, _) = await AlertSocket.OpenAsync(tight.App, busyUser.Key);
        await using var s = slow;
        await using var b = busy;

        // The slow client reads nothing while thousands of its alerts are made; the other reads each of its own.
        var ingested = new List<string>();
        for (var round = 0; round < 5; round++)
        {
            ingested.AddRange(await tight.App.IngestAsync(Enumerable.Range(0, 1000).Select(_ => (JsonNode)Trades.Event(slowWallet)).ToArray()));
            var busyIds = await tight.App.IngestAsync(Trades.Event(busyWallet));
            Assert.Equal(busyIds[0], (await busy.ReceiveJsonAsync(TimeSpan.FromSeconds(5)))["id"]!.GetValue<string>());
        }

        var frames = await slow.ReadUntilClosedAsync();
        Assert.Equal(1013, (int?)slow.CloseStatus);
        Assert.Contains("slow consumer", slow.CloseReason);
        var received = frames.Select(f => JsonNode.Parse(f)!.AsObject()).ToList();
        Assert.True(received.Count < ingested.Count, "the slow client was expected to fall behind");
        Assert.Equal(ingested.Take(received.Count), received.Select(a => a["id"]!.GetValue<string>()));

        var lastCursor = (received.Count > 0 ? received[^1] : welcome)["cursor"]!.GetValue<string>();
        var (resumed, _) = await AlertSocket.OpenAsync(tight.App, slowUser.Key, resumeFrom: lastCursor);
        await using var r = resumed;
        var rest = await resumed.ReceiveAlertsAsync(ingested.Count - received.Count);
        Assert.Equal(ingested.Skip(received.Count), rest.Select(a => a["id"]!.GetValue<string>()));
        await resumed.AssertNothingBeforePongAsync();
    }

    [Fact]
    public async Task MissedEventsOlderThanTheWindowAndMoreThanReplayEventsGetResyncRequiredThenLiveAlerts()
    {
        using var user = await tight.App.CreateUserAsync("returning");
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var cursor = await ReceivedCursorAsync(user, wallet);
        var after = await tight.App.IngestAsync(OtherWalletsTrades(TightAlertsApp.ReplayEvents + 1));
        await tight.AgeEventsAsync(after, TimeSpan.FromHours(1));

        var (second, _) = await AlertSocket.OpenAsync(tight.App, user.Key);
        await using var _ = second;
        await second.SendAsync($$"""{"op":"resume","cursor":"{{cursor}}"}""");

        var resync = await second.ReceiveJsonAsync();
        Assert.Equal("resync_required", resync["type"]!.GetValue<string>());
        Assert.Contains("replay window", resync["reason"]!.GetValue<string>());
        var live = await tight.App.IngestAsync(Trades.Event(wallet));
        Assert.Equal(live[0], (await second.ReceiveJsonAsync())["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task WithTwoReplicasEveryConnectionReceivesEveryAlertOfItsKey()
    {
        var users = new List<(UserClient User, string Wallet, AlertSocket Socket)>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                var user = await tight.App.CreateUserAsync($"replicated {i}");
                var wallet = Wallets.NewAddress();
                await user.WatchAsync(wallet);
                users.Add((user, wallet, (await AlertSocket.OpenAsync(tight.App, user.Key)).Socket));
            }

            for (var round = 0; round < 3; round++)
            {
                var ids = await tight.App.IngestAsync(users.Select(u => (JsonNode)Trades.Event(u.Wallet)).ToArray());
                for (var i = 0; i < users.Count; i++)
                {
                    Assert.Equal(ids[i], (await users[i].Socket.ReceiveJsonAsync())["id"]!.GetValue<string>());
                }
            }
        }
        finally
        {
            foreach (var (user, _, socket) in users)
            {
                await socket.DisposeAsync();
                user.Dispose();
            }
        }
    }

    [Fact]
    public async Task TheConnectionLimitHoldsAcrossReplicas()
    {
        using var user = await tight.App.CreateUserAsync("five");
        var open = new List<AlertSocket>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                open.Add((await AlertSocket.OpenAsync(tight.App, user.Key)).Socket);
            }

            for (var i = 0; i < 4; i++) // the proxy spreads upgrades over both replicas: each must refuse
            {
                var (status, _, _) = await AlertSocket.UpgradeAsync(tight.App, new Dictionary<string, string> { ["X-API-Key"] = user.Key });
                Assert.Equal(HttpStatusCode.TooManyRequests, status);
            }
        }
        finally
        {
            foreach (var socket in open)
            {
                await socket.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task MissedEventsOlderThanTheWindowAreServedWhileFewerThanReplayEvents()
    {
        using var user = await tight.App.CreateUserAsync("back soon");
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var cursor = await ReceivedCursorAsync(user, wallet);
        var after = await tight.App.IngestAsync([.. OtherWalletsTrades(TightAlertsApp.ReplayEvents - 2), Trades.Event(wallet)]);
        await tight.AgeEventsAsync(after, TimeSpan.FromHours(1));

        var (socket, _) = await AlertSocket.OpenAsync(tight.App, user.Key);
        await using var _ = socket;
        await socket.SendAsync($$"""{"op":"resume","cursor":"{{cursor}}"}""");

        var answer = await socket.ReceiveJsonAsync();
        Assert.True(answer.String("type") == "resumed", $"{after.Count} events after the cursor: expected resumed, got {answer.ToJsonString()}");
        Assert.Equal([after[^1]], (await socket.ReceiveAlertsAsync(1)).Ids());
    }

    [Fact]
    public async Task MissedEventsOlderThanTheWindowGetResyncRequiredFromExactlyReplayEvents()
    {
        using var user = await tight.App.CreateUserAsync("back a little late");
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var cursor = await ReceivedCursorAsync(user, wallet);
        var after = await tight.App.IngestAsync([.. OtherWalletsTrades(TightAlertsApp.ReplayEvents - 1), Trades.Event(wallet)]);
        await tight.AgeEventsAsync(after, TimeSpan.FromHours(1));

        var (socket, _) = await AlertSocket.OpenAsync(tight.App, user.Key);
        await using var _ = socket;
        await socket.SendAsync($$"""{"op":"resume","cursor":"{{cursor}}"}""");

        var answer = await socket.ReceiveJsonAsync();
        Assert.True(answer.String("type") == "resync_required",
            $"{after.Count} missed events older than the window, not fewer than ReplayEvents ({TightAlertsApp.ReplayEvents}): expected resync_required, got {answer.ToJsonString()}");
    }

    [Fact]
    public async Task MissedEventsYoungerThanTheWindowAreServedByEveryReplicaHoweverManyAndHoweverOldTheCursorsEvent()
    {
        using var user = await tight.App.CreateUserAsync("busy day");
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        // A quiet log: the welcome cursor names the last event stored, which is older than the window.
        await tight.AgeEventsAsync(await tight.App.IngestAsync(Trades.Event(Wallets.NewAddress())), TimeSpan.FromHours(1));
        var (first, welcome) = await AlertSocket.OpenAsync(tight.App, user.Key);
        await first.DisposeAsync();
        var missed = new List<string>();
        missed.AddRange(await tight.App.IngestAsync([Trades.Event(wallet), .. OtherWalletsTrades(TightAlertsApp.ReplayEvents)]));
        missed.AddRange(await tight.App.IngestAsync([.. OtherWalletsTrades(TightAlertsApp.ReplayEvents), Trades.Event(wallet, "trade.close")]));

        // The proxy spreads connections over both replicas: each resume must replay the same two alerts.
        var connectionIds = new HashSet<string>();
        for (var i = 0; i < 4; i++)
        {
            var (socket, resumedWelcome) = await AlertSocket.OpenAsync(tight.App, user.Key, resumeFrom: welcome.String("cursor"));
            await using var _ = socket;
            connectionIds.Add(resumedWelcome.String("connection_id"));
            Assert.Equal([missed[0], missed[^1]], (await socket.ReceiveAlertsAsync(2)).Ids());
            await socket.AssertNothingBeforePongAsync();
        }
        Assert.Equal(4, connectionIds.Count);
    }

    /// <summary>The cursor of an alert the client received.</summary>
    private async Task<string> ReceivedCursorAsync(UserClient user, string wallet)
    {
        var (socket, _) = await AlertSocket.OpenAsync(tight.App, user.Key);
        await using var _ = socket;
        await tight.App.IngestAsync(Trades.Event(wallet));
        return (await socket.ReceiveAlertsAsync(1))[0].String("cursor");
    }

    private static JsonNode[] OtherWalletsTrades(int count) =>
        Enumerable.Range(0, count).Select(_ => (JsonNode)Trades.Event(Wallets.NewAddress())).ToArray();
}
