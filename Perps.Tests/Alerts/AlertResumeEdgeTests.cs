using System.Text.Json.Nodes;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Alerts;

/// <summary>
/// Resume beyond the plain case: what the replay covers when the watchlist changed while the client was away, the
/// seam of a header resume while events keep coming, an unusable cursor in the header, and a resume that is the
/// first op but reaches the server late (a slow link).
/// </summary>
public sealed class AlertResumeEdgeTests(PerpsAppFixture fixture)
{
    [Fact]
    public async Task AResumeReplaysTheWalletsWatchedNowNotThoseWatchedThen()
    {
        using var user = await fixture.CreateUserAsync();
        var (dropped, added) = (Wallets.NewAddress(), Wallets.NewAddress());
        await user.WatchAsync(dropped);
        var cursor = await CursorAfterDisconnectAsync(user);

        var ofAddedBeforeItWasWatched = await fixture.IngestAsync(Trades.Event(added), Trades.Event(dropped));
        (await user.Http.DeleteAsync($"/api/wallets/{dropped}", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        await user.WatchAsync(added);
        var afterTheChange = await fixture.IngestAsync(Trades.Event(dropped), Trades.Event(added, "trade.liquidation"));

        var (socket, _) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await using var _ = socket;
        await socket.SendAsync($$"""{"op":"resume","cursor":"{{cursor}}"}""");
        Assert.Equal("resumed", (await socket.ReceiveJsonAsync()).String("type"));

        Assert.Equal([ofAddedBeforeItWasWatched[0], afterTheChange[1]], (await socket.ReceiveAlertsAsync(2)).Ids());
        await socket.AssertNothingBeforePongAsync();
    }

    [Fact]
    public async Task AHeaderResumeWhileEventsKeepComingDeliversEachExactlyOnceInOrder()
    {
        using var user = await fixture.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var cursor = await CursorAfterDisconnectAsync(user);
        var missed = new List<string>();
        for (var batch = 0; batch < 3; batch++)
        {
            missed.AddRange(await fixture.IngestAsync(Enumerable.Range(0, 100).Select(_ => (JsonNode)Trades.Event(wallet)).ToArray()));
        }

        // Events go on being ingested one by one while the connection replays what it missed.
        var during = IngestOneByOneAsync(wallet, 40);
        var (socket, welcome) = await AlertSocket.OpenAsync(fixture.App, user.Key, resumeFrom: cursor);
        await using var _ = socket;
        var live = await during;
        var after = await fixture.IngestAsync(Trades.Event(wallet, "trade.close"));

        Assert.Equal(cursor, welcome.String("cursor"));
        var expected = missed.Concat(live).Concat(after).ToList();
        Assert.Equal(expected, (await socket.ReceiveAlertsAsync(expected.Count)).Ids());
        await socket.AssertNothingBeforePongAsync();
    }

    [Fact]
    public async Task AnUnusableCursorInTheHeaderGetsResyncRequiredAndTheConnectionStaysLive()
    {
        using var user = await fixture.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);

        var (socket, _) = await AlertSocket.OpenAsync(fixture.App, user.Key, resumeFrom: "not-a-cursor");
        await using var _ = socket;

        var resync = await socket.ReceiveJsonAsync();
        Assert.Equal("resync_required", resync.String("type"));
        Assert.False(string.IsNullOrWhiteSpace(resync.String("reason")));
        Assert.False(string.IsNullOrWhiteSpace(resync.String("cursor")));
        var live = await fixture.IngestAsync(Trades.Event(wallet));
        Assert.Equal(live, (await socket.ReceiveAlertsAsync(1)).Ids());
    }

    [Fact]
    public async Task AResumeThatIsTheFirstOpButArrivesAfterTheGraceIsStillServed()
    {
        using var user = await fixture.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var cursor = await CursorAfterDisconnectAsync(user);
        var missed = await fixture.IngestAsync(Trades.Event(wallet), Trades.Event(wallet, "trade.close"));
        var (socket, _) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await using var _ = socket;

        // A client on a link with a round trip longer than the server's 250 ms hold: its first op comes late.
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        await socket.SendAsync($$"""{"op":"resume","cursor":"{{cursor}}"}""");

        var answer = await socket.ReceiveJsonAsync();
        Assert.True(answer.String("type") == "resumed", $"Expected resumed, got {answer.ToJsonString()}");
        Assert.Equal(missed, (await socket.ReceiveAlertsAsync(2)).Ids());
        await socket.AssertNothingBeforePongAsync();
    }

    /// <summary>Connects, takes the welcome's cursor and disconnects: where a client that comes back resumes from.</summary>
    private async Task<string> CursorAfterDisconnectAsync(UserClient user)
    {
        var (socket, welcome) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await socket.DisposeAsync();
        return welcome.String("cursor");
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
