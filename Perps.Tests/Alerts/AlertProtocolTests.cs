using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Alerts;

/// <summary>How a bot gets in and talks to <c>/api/alerts</c>: authentication, ops, and what bad frames get.</summary>
public sealed class AlertProtocolTests(PerpsAppFixture fixture)
{
    [Fact]
    public async Task AKeyInTheHeaderGetsAWelcomeWithEveryEventTypeAndACursor()
    {
        using var user = await fixture.CreateUserAsync();
        var (socket, welcome) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await using var _ = socket;

        Assert.StartsWith("conn_", welcome["connection_id"]!.GetValue<string>());
        Assert.Equal(["trade.new", "trade.close", "trade.liquidation"], welcome["events"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(welcome["cursor"]!.GetValue<string>()));
    }

    [Fact]
    public async Task AKeyInTheFirstFrameGetsAWelcome()
    {
        using var user = await fixture.CreateUserAsync();
        await using var socket = await AlertSocket.ConnectAsync(fixture.App);

        await socket.SendAsync($$"""{"op":"auth","api_key":"{{user.Key}}"}""");

        Assert.Equal("welcome", (await socket.ReceiveJsonAsync())["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task AWrongKeyInTheHeaderIsRefusedWithA401ProblemAndNoUpgrade()
    {
        var (status, contentType, body) = await AlertSocket.UpgradeAsync(fixture.App,
            new Dictionary<string, string> { ["X-API-Key"] = "pk_wrong" });

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Contains("X-API-Key", body);
    }

    [Fact]
    public async Task ARevokedKeyIsRefusedAndItsOpenConnectionIsClosed()
    {
        using var user = await fixture.CreateUserAsync();
        var (socket, _) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await using var open = socket;

        using var admin = fixture.CreateAdminClient();
        (await admin.DeleteAsync($"/api/admin/api-keys/{user.KeyId}", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        var (status, _, _) = await AlertSocket.UpgradeAsync(fixture.App, new Dictionary<string, string> { ["X-API-Key"] = user.Key });
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        await open.ReadUntilClosedAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, open.CloseStatus);
    }

    [Theory]
    [InlineData("""{"op":"auth","api_key":"pk_wrong"}""")]
    [InlineData("""{"op":"ping"}""")]
    [InlineData("""not json""")]
    public async Task WithoutTheHeaderAnythingButAValidAuthFrameGetsAnErrorThenClose1008(string firstFrame)
    {
        await using var socket = await AlertSocket.ConnectAsync(fixture.App);

        await socket.SendAsync(firstFrame);

        var error = await socket.ReceiveJsonAsync();
        Assert.Equal("error", error["type"]!.GetValue<string>());
        Assert.Empty(await socket.ReadUntilClosedAsync());
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
    }

    [Fact]
    public async Task APlainGetIsA400Problem()
    {
        using var client = fixture.CreateAnonymousClient();

        var response = await client.GetAsync("/api/alerts", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task PingGetsPong()
    {
        using var user = await fixture.CreateUserAsync();
        var (socket, _) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await using var _ = socket;

        await socket.AssertNothingBeforePongAsync();
    }

    [Theory]
    [InlineData("""not json""")]
    [InlineData("""[1,2]""")]
    [InlineData("""{"op":"dance"}""")]
    [InlineData("""{"op":42}""")]
    [InlineData("""{"op":"subscribe"}""")]
    [InlineData("""{"op":"subscribe","events":[]}""")]
    [InlineData("""{"op":"subscribe","events":["trade.moon"]}""")]
    [InlineData("""{"op":"subscribe","events":"trade.new"}""")]
    [InlineData("""{"op":"subscribe","events":["trade.new"],"extra":1}""")]
    [InlineData("""{"op":"ping","op":"ping"}""")]
    [InlineData("""{"op":"auth","api_key":"pk_anything"}""")]
    public async Task AMalformedOrUnknownFrameGetsAnErrorAndTheConnectionStaysOpen(string frame)
    {
        using var user = await fixture.CreateUserAsync();
        var (socket, _) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await using var _ = socket;

        await socket.SendAsync(frame);

        var error = await socket.ReceiveJsonAsync();
        Assert.Equal("error", error["type"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(error["message"]!.GetValue<string>()));
        await socket.AssertNothingBeforePongAsync();
    }

    [Fact]
    public async Task ABinaryFrameGetsAnErrorAndTheConnectionStaysOpen()
    {
        using var user = await fixture.CreateUserAsync();
        var (socket, _) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await using var _ = socket;

        await socket.SendAsync(Encoding.UTF8.GetBytes("""{"op":"ping"}"""), WebSocketMessageType.Binary);

        Assert.Equal("error", (await socket.ReceiveJsonAsync())["type"]!.GetValue<string>());
        await socket.AssertNothingBeforePongAsync();
    }

    [Fact]
    public async Task AFrameOver4KiBClosesTheConnectionWith1009()
    {
        using var user = await fixture.CreateUserAsync();
        var (socket, _) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await using var _ = socket;

        await socket.SendAsync($$"""{"op":"ping","pad":"{{new string('x', 5000)}}"}""");

        await socket.ReadUntilClosedAsync();
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, socket.CloseStatus);
    }

    [Fact]
    public async Task AFrameOfExactly4KiBIsRead()
    {
        using var user = await fixture.CreateUserAsync();
        var (socket, _) = await AlertSocket.OpenAsync(fixture.App, user.Key);
        await using var _ = socket;
        var frame = """{"op":"dance","pad":""}""";
        frame = frame.Insert(frame.Length - 2, new string('x', 4096 - frame.Length));

        await socket.SendAsync(frame);

        Assert.Equal("error", (await socket.ReceiveJsonAsync())["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task AKeyHoldsAtMostFiveConnectionsAndTheSixthIsA429Problem()
    {
        using var user = await fixture.CreateUserAsync();
        var open = new List<AlertSocket>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                open.Add((await AlertSocket.OpenAsync(fixture.App, user.Key)).Socket);
            }

            var (status, contentType, body) = await AlertSocket.UpgradeAsync(fixture.App,
                new Dictionary<string, string> { ["X-API-Key"] = user.Key });
            Assert.Equal(HttpStatusCode.TooManyRequests, status);
            Assert.Equal("application/problem+json", contentType);
            Assert.Contains("5 open alert connections", body);

            await open[0].DisposeAsync();
            open.RemoveAt(0);
            var reopened = await Poll.UntilAsync(async () =>
            {
                try
                {
                    return (await AlertSocket.OpenAsync(fixture.App, user.Key)).Socket;
                }
                catch (WebSocketException)
                {
                    return null; // the closed connection's lease is released once the server has seen the close
                }
            }, socket => socket is not null, TimeSpan.FromSeconds(10), _ => "no connection could be opened after one was closed");
            open.Add(reopened!);
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
    public async Task TheKeysRateLimitAppliesToUpgrades()
    {
        using var user = await fixture.CreateUserAsync();
        var upgrade = HttpStatusCode.SwitchingProtocols;
        // The bucket refills once a second: spend it until it refuses, then upgrade at once (again, should a refill
        // have come in between).
        for (var round = 0; round < 5 && upgrade != HttpStatusCode.TooManyRequests; round++)
        {
            while ((await user.Http.GetAsync("/api/wallets", TestContext.Current.CancellationToken)).StatusCode != HttpStatusCode.TooManyRequests)
            {
            }
            (upgrade, _, _) = await AlertSocket.UpgradeAsync(fixture.App, new Dictionary<string, string> { ["X-API-Key"] = user.Key });
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, upgrade);
    }
}
