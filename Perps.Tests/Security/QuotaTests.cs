using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Security;

/// <summary>
/// One API key owns at most Quotas:MaxWebhooksPerKey webhooks and Quotas:MaxWalletsPerKey wallets (lowered by the
/// fixture), even when it creates them all at once; past that, a 409 problem that says the limit, and nothing changes.
/// </summary>
public sealed class QuotaTests(PerpsAppFixture app)
{
    private const int Attempts = 25;

    [Fact]
    public async Task ConcurrentWebhookCreatesStopAtTheQuotaWithAConflictProblem()
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await app.CreateUserAsync();
        using var other = await app.CreateUserAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, Attempts).Select(_ =>
            user.Http.PostAsJsonAsync("/api/webhooks", new { url = app.Receiver.NewEndpoint(), events = new[] { "trade.new" } }, ct)));

        Assert.Equal(PerpsAppFixture.MaxWebhooksPerKey, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(Attempts - PerpsAppFixture.MaxWebhooksPerKey, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        await AssertQuotaProblemAsync(responses.First(r => r.StatusCode == HttpStatusCode.Conflict), "webhooks", PerpsAppFixture.MaxWebhooksPerKey);
        Assert.Equal(PerpsAppFixture.MaxWebhooksPerKey, (await user.GetAsync<WebhookListAnswer>("/api/webhooks")).Webhooks.Count);
        Assert.Equal(PerpsAppFixture.MaxWebhooksPerKey, await app.CountAsync("SELECT count(*) FROM webhooks WHERE api_key_id = $1", user.KeyId));

        // The quota is the key's own: another user is not affected, and deleting one makes room again.
        await other.CreateWebhookAsync(app.Receiver.NewEndpoint());
        var first = (await user.GetAsync<WebhookListAnswer>("/api/webhooks")).Webhooks[0].Id;
        Assert.Equal(HttpStatusCode.OK, (await user.Http.DeleteAsync($"/api/webhooks/{first}", ct)).StatusCode);
        await user.CreateWebhookAsync(app.Receiver.NewEndpoint());
    }

    [Fact]
    public async Task ConcurrentWalletAddsStopAtTheQuotaWithAConflictProblem()
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await app.CreateUserAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, Attempts).Select(_ =>
            user.Http.PostAsJsonAsync("/api/wallets", new { address = Wallets.NewAddress() }, ct)));

        Assert.Equal(PerpsAppFixture.MaxWalletsPerKey, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(Attempts - PerpsAppFixture.MaxWalletsPerKey, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        await AssertQuotaProblemAsync(responses.First(r => r.StatusCode == HttpStatusCode.Conflict), "watched wallets", PerpsAppFixture.MaxWalletsPerKey);
        var wallets = (await user.GetAsync<WalletListAnswer>("/api/wallets")).Wallets;
        Assert.Equal(PerpsAppFixture.MaxWalletsPerKey, wallets.Count);

        // A wallet already watched is still told so (not the quota), and removing one makes room again.
        var watched = wallets[0].Address;
        var again = await (await user.Http.PostAsJsonAsync("/api/wallets", new { address = watched }, ct)).Content.ReadFromJsonAsync<JsonObject>(ct);
        Assert.Equal("Wallet already watched", again!["title"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await user.Http.DeleteAsync($"/api/wallets/{watched}", ct)).StatusCode);
        await user.WatchAsync(Wallets.NewAddress());
    }

    private static async Task AssertQuotaProblemAsync(HttpResponseMessage response, string what, int limit)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.False(problem["success"]!.GetValue<bool>());
        Assert.Equal("Quota reached", problem["title"]!.GetValue<string>());
        Assert.Equal(limit, problem["limit"]!.GetValue<int>());
        Assert.Equal(limit, problem["count"]!.GetValue<long>());
        Assert.Contains($"has {limit} {what}, and {limit} is the most", problem["detail"]!.GetValue<string>());
    }
}
