using System.Diagnostics;
using System.Net.WebSockets;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Alerts;

/// <summary>
/// The edges of getting in without the header: the first frame is the only place a key is read, it must come in
/// time, and it counts against the key's connection limit like a header does.
/// </summary>
public sealed class AlertAuthenticationEdgeTests(PerpsAppFixture fixture)
{
    [Fact]
    public async Task AKeyInTheQueryStringIsNeverRead()
    {
        using var user = await fixture.CreateUserAsync();
        await using var socket = await AlertSocket.ConnectAsync(fixture.App, query: $"api_key={user.Key}&X-API-Key={user.Key}");

        await socket.SendAsync("""{"op":"ping"}""");

        var first = await socket.ReceiveJsonAsync();
        Assert.Equal("error", first.String("type"));
        Assert.Empty(await socket.ReadUntilClosedAsync());
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
    }

    [Fact]
    public async Task AConnectionThatSendsNoAuthFrameIsClosedWith1008AfterTenSeconds()
    {
        await using var socket = await AlertSocket.ConnectAsync(fixture.App);
        var waiting = Stopwatch.StartNew();

        var error = await socket.ReceiveJsonAsync(TimeSpan.FromSeconds(20));

        Assert.Equal("error", error.String("type"));
        Assert.InRange(waiting.Elapsed, TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(15));
        Assert.Empty(await socket.ReadUntilClosedAsync());
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
    }

    [Fact]
    public async Task AFirstFrameAuthenticatedConnectionReceivesItsKeysAlerts()
    {
        using var user = await fixture.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        await using var socket = await AlertSocket.ConnectAsync(fixture.App);
        await socket.SendAsync($$"""{"op":"auth","api_key":"{{user.Key}}"}""");
        Assert.Equal("welcome", (await socket.ReceiveJsonAsync()).String("type"));

        var ids = await fixture.IngestAsync(Trades.Event(wallet, "trade.close"));

        Assert.Equal(ids, (await socket.ReceiveAlertsAsync(1)).Ids());
    }

    [Fact]
    public async Task ARevokedKeyInTheFirstFrameGetsAnErrorThenClose1008()
    {
        using var user = await fixture.CreateUserAsync();
        using var admin = fixture.CreateAdminClient();
        (await admin.DeleteAsync($"/api/admin/api-keys/{user.KeyId}", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        await using var socket = await AlertSocket.ConnectAsync(fixture.App);

        await socket.SendAsync($$"""{"op":"auth","api_key":"{{user.Key}}"}""");

        Assert.Equal("error", (await socket.ReceiveJsonAsync()).String("type"));
        Assert.Empty(await socket.ReadUntilClosedAsync());
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
    }

    [Fact]
    public async Task AFirstFrameAuthBeyondTheKeysFiveConnectionsGetsAnErrorThenClose1008()
    {
        using var user = await fixture.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var open = new List<AlertSocket>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                open.Add((await AlertSocket.OpenAsync(fixture.App, user.Key)).Socket);
            }
            await using var sixth = await AlertSocket.ConnectAsync(fixture.App);

            await sixth.SendAsync($$"""{"op":"auth","api_key":"{{user.Key}}"}""");

            var error = await sixth.ReceiveJsonAsync();
            Assert.Equal("error", error.String("type"));
            Assert.Empty(await sixth.ReadUntilClosedAsync());
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, sixth.CloseStatus);
            // The refused sixth took nothing from the five.
            var ids = await fixture.IngestAsync(Trades.Event(wallet));
            foreach (var socket in open)
            {
                Assert.Equal(ids, (await socket.ReceiveAlertsAsync(1)).Ids());
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
}
