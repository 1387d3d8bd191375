using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Alerts;

/// <summary><c>GET /api/events</c>: what a bot told <c>resync_required</c> reads over REST, exactly as it would have come as alerts.</summary>
public sealed class EventsApiTests(PerpsAppFixture fixture)
{
    [Fact]
    public async Task TheWatchedWalletsEventsComePagedInAlertOrderAsTheAlertsWouldHave()
    {
        using var user = await fixture.CreateUserAsync();
        using var other = await fixture.CreateUserAsync();
        var (wallet, othersWallet) = (Wallets.NewAddress(), Wallets.NewAddress());
        await user.WatchAsync(wallet);
        await other.WatchAsync(othersWallet);
        var (socket, _) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await using var _ = socket;
        var since = DateTimeOffset.UtcNow.AddSeconds(-5);

        var ids = await fixture.IngestAsync(Trades.Event(wallet), Trades.Event(othersWallet), Trades.Event(wallet, "trade.close"), Trades.Event(wallet, "trade.liquidation"));
        var alerts = await socket.ReceiveAlertsAsync(3);

        var first = await user.GetJsonAsync($"/api/events?since={since:yyyy-MM-ddTHH:mm:ssZ}&limit=2");
        var next = first["next_after"]!.GetValue<string>();
        var second = await user.GetJsonAsync($"/api/events?after={Uri.EscapeDataString(next)}&limit=2");
        var pages = first["events"]!.AsArray().Concat(second["events"]!.AsArray()).Select(e => e!.ToJsonString()).ToList();

        Assert.Equal(alerts.Select(a => a.ToJsonString()), pages);
        Assert.Equal([ids[0], ids[2], ids[3]], pages.Select(p => JsonNode.Parse(p)!["id"]!.GetValue<string>()));
        Assert.Null(second["next_after"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("?since=2026-01-01T00:00:00Z&after=x")]
    [InlineData("?after=garbage")]
    [InlineData("?after=0123456789ab.1.1")]
    [InlineData("?since=yesterday")]
    [InlineData("?since=2026-01-01T00:00:00Z&limit=0")]
    [InlineData("?since=2026-01-01T00:00:00Z&limit=1001")]
    public async Task ABadQueryIsA400Problem(string query)
    {
        using var user = await fixture.CreateUserAsync();

        var response = await user.Http.GetAsync($"/api/events{query}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrWhiteSpace((await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!["detail"]?.GetValue<string>()));
    }
}
