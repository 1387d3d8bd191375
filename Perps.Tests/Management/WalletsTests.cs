using System.Net;
using System.Net.Http.Json;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Management;

public sealed class WalletsTests(PerpsAppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WatchWalletReturnsTheWalletWithItsLocation()
    {
        using var user = await app.CreateUserAsync();
        var address = Wallets.NewAddress();
        var before = DateTimeOffset.UtcNow.AddMinutes(-1);

        var response = await user.Http.PostAsJsonAsync("/api/wallets", new { address }, Ct);

        var body = await response.SuccessAsync(HttpStatusCode.Created);
        ApiResponses.HasExactlyFields(body, "success", "wallet");
        ApiResponses.HasExactlyFields(body["wallet"], "address", "created_at");
        Assert.Equal(address, body["wallet"]!["address"].AsString());
        Assert.InRange(DateTimeOffset.Parse(body["wallet"]!["created_at"].AsString()), before, DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal($"/api/wallets/{address}", response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("11111111111111111111111111111111")]
    [InlineData("So11111111111111111111111111111111111111112")]
    [InlineData("9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM")]
    public async Task WatchWalletAcceptsEveryValidAddressLength(string address)
    {
        using var user = await app.CreateUserAsync();

        var response = await user.Http.PostAsJsonAsync("/api/wallets", new { address }, Ct);

        var body = await response.SuccessAsync<WalletAnswer>(HttpStatusCode.Created);
        Assert.Equal(address, body.Wallet.Address);
    }

    [Fact]
    public async Task ListWalletsOfANewKeyIsEmpty()
    {
        using var user = await app.CreateUserAsync();

        var body = await (await user.Http.GetAsync("/api/wallets", Ct)).SuccessAsync(HttpStatusCode.OK);

        ApiResponses.HasExactlyFields(body, "success", "wallets");
        Assert.Empty(body["wallets"]!.AsArray());
    }

    [Fact]
    public async Task ListWalletsReturnsEveryWatchedWalletInOrder()
    {
        using var user = await app.CreateUserAsync();
        var first = Wallets.NewAddress();
        var second = Wallets.NewAddress();
        await user.WatchAsync(first);
        await user.WatchAsync(second);

        var body = await (await user.Http.GetAsync("/api/wallets", Ct)).SuccessAsync(HttpStatusCode.OK);

        var wallets = body["wallets"]!.AsArray();
        Assert.Equal([first, second], wallets.Select(w => w!["address"].AsString()));
        Assert.All(wallets, w => ApiResponses.HasExactlyFields(w, "address", "created_at"));
    }

    [Fact]
    public async Task WatchWalletTwiceReturnsConflictAndKeepsOneEntry()
    {
        using var user = await app.CreateUserAsync();
        var address = Wallets.NewAddress();
        await user.WatchAsync(address);

        var response = await user.Http.PostAsJsonAsync("/api/wallets", new { address }, Ct);

        var problem = await response.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains(address, problem["detail"].AsString());
        var wallets = (await user.GetJsonAsync("/api/wallets"))["wallets"]!.AsArray();
        Assert.Equal([address], wallets.Select(w => w!["address"].AsString()));
    }

    [Fact]
    public async Task RemoveWalletTakesItOffTheWatchlist()
    {
        using var user = await app.CreateUserAsync();
        var kept = Wallets.NewAddress();
        var removed = Wallets.NewAddress();
        await user.WatchAsync(kept);
        await user.WatchAsync(removed);

        var response = await user.Http.DeleteAsync($"/api/wallets/{removed}", Ct);

        var body = await response.SuccessAsync(HttpStatusCode.OK);
        ApiResponses.HasExactlyFields(body, "success", "message");
        var wallets = (await user.GetJsonAsync("/api/wallets"))["wallets"]!.AsArray();
        Assert.Equal([kept], wallets.Select(w => w!["address"].AsString()));
    }

    [Fact]
    public async Task RemoveWalletTwiceReturnsNotFound()
    {
        using var user = await app.CreateUserAsync();
        var address = Wallets.NewAddress();
        await user.WatchAsync(address);
        Assert.Equal(HttpStatusCode.OK, (await user.Http.DeleteAsync($"/api/wallets/{address}", Ct)).StatusCode);

        var response = await user.Http.DeleteAsync($"/api/wallets/{address}", Ct);

        await response.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task RemoveUnwatchedWalletReturnsNotFound()
    {
        using var user = await app.CreateUserAsync();

        var response = await user.Http.DeleteAsync($"/api/wallets/{Wallets.NewAddress()}", Ct);

        await response.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task RemovedWalletCanBeWatchedAgain()
    {
        using var user = await app.CreateUserAsync();
        var address = Wallets.NewAddress();
        await user.WatchAsync(address);
        Assert.Equal(HttpStatusCode.OK, (await user.Http.DeleteAsync($"/api/wallets/{address}", Ct)).StatusCode);

        var response = await user.Http.PostAsJsonAsync("/api/wallets", new { address }, Ct);

        await response.SuccessAsync(HttpStatusCode.Created);
    }
}
