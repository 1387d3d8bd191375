using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Perps.Tests.Infrastructure;
using Perps.Tests.Management;

namespace Perps.Tests.Security;

/// <summary>
/// The subscription fields (filters, rate_limit, grace_period_hours) against bad input: each is a 400 problem that
/// says what is wrong, and nothing changes.
/// </summary>
public sealed class SubscriptionInputTests(PerpsAppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Url = "http://127.0.0.1:9/hook";

    /// <summary>Bad <c>filters</c> or <c>rate_limit</c> values, as JSON members to add to a good body.</summary>
    public static TheoryData<string> BadSubscriptionMembers() => new()
    {
        "\"filters\": {\"market\": [\"SOL-PERP\"]}",              // unknown key
        "\"filters\": {\"markets\": [\"SOL-PERP\"], \"extra\": 1}",
        "\"filters\": {\"markets\": \"SOL-PERP\"}",                // wrong types
        "\"filters\": {\"sides\": \"long\"}",
        "\"filters\": {\"min_size_usd\": \"1000\"}",
        "\"filters\": {\"min_leverage\": true}",
        "\"filters\": {\"markets\": [1]}",
        "\"filters\": [\"SOL-PERP\"]",
        "\"filters\": \"SOL-PERP\"",
        "\"filters\": {\"min_size_usd\": -1}",                     // negative minimums
        "\"filters\": {\"min_leverage\": -0.5}",
        "\"filters\": {\"min_size_usd\": 1e300}",                  // absurd
        "\"filters\": {\"markets\": []}",                          // empty lists
        "\"filters\": {\"sides\": []}",
        "\"filters\": {\"wallets\": []}",
        "\"filters\": {\"markets\": [null]}",
        "\"filters\": {\"markets\": [\"\"]}",
        "\"filters\": {\"markets\": [\"SOL-PERP\", \"SOL-PERP\"]}",
        "\"filters\": {\"sides\": [\"up\"]}",
        "\"filters\": {\"sides\": [\"long\", \"long\"]}",
        "\"filters\": {\"wallets\": [\"not-a-wallet\"]}",
        "\"filters\": {\"wallets\": [\"DRVRvzf8pSiMJi5BY1NmZu5STahBYKMVcfkPp3vxPump\"]}", // not on the watchlist
        "\"rate_limit\": 0",
        "\"rate_limit\": -1",
        "\"rate_limit\": 1001",
        "\"rate_limit\": 2147483648",
        "\"rate_limit\": 1.5",
        "\"rate_limit\": \"2\"",
        "\"rate_limit\": {\"per_second\": 2}",
    };

    [Theory]
    [MemberData(nameof(BadSubscriptionMembers))]
    public async Task CreateWithBadSubscriptionFieldsIsA400AndCreatesNothing(string member)
    {
        using var user = await app.CreateUserAsync();

        var response = await user.Http.PostAsync("/api/webhooks",
            ApiResponses.RawJson($"{{\"url\": \"{Url}\", \"events\": [\"trade.new\"], {member}}}"), Ct);

        await response.ProblemAsync(HttpStatusCode.BadRequest);
        var list = await (await user.Http.GetAsync("/api/webhooks", Ct)).SuccessAsync(HttpStatusCode.OK);
        Assert.Empty(list["webhooks"]!.AsArray());
    }

    [Theory]
    [MemberData(nameof(BadSubscriptionMembers))]
    public async Task UpdateWithBadSubscriptionFieldsIsA400AndChangesNothing(string member)
    {
        if (member == "\"rate_limit\": 0")
        {
            return; // on update, 0 removes the limit
        }
        using var user = await app.CreateUserAsync();
        var webhook = await user.CreateWebhookAsync(Url, "trade.new");
        var before = (await user.GetJsonAsync($"/api/webhooks/{webhook.Id}"))["webhook"]!.ToJsonString();

        var response = await user.Http.PutAsync($"/api/webhooks/{webhook.Id}", ApiResponses.RawJson($"{{{member}}}"), Ct);

        await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(before, (await user.GetJsonAsync($"/api/webhooks/{webhook.Id}"))["webhook"]!.ToJsonString());
    }

    [Theory]
    [InlineData("{\"grace_period_hours\": -1}")]
    [InlineData("{\"grace_period_hours\": 169}")]
    [InlineData("{\"grace_period_hours\": 2147483648}")]
    [InlineData("{\"grace_period_hours\": 1.5}")]
    [InlineData("{\"grace_period_hours\": \"24\"}")]
    [InlineData("{\"grace_period_hours\": 24, \"revoke\": true}")]
    [InlineData("{\"grace\": 24}")]
    [InlineData("[24]")]
    [InlineData("24")]
    [InlineData("{")]
    public async Task RegenerateWithABadGracePeriodIsA400AndKeepsTheSecret(string body)
    {
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(), "trade.new");

        var response = await user.Http.PostAsync($"/api/webhooks/{webhook.Id}/regenerate-secret", ApiResponses.RawJson(body), Ct);

        await response.ProblemAsync(HttpStatusCode.BadRequest);
        await app.IngestAsync(Trades.Event(wallet));
        var delivered = (await app.Receiver.WaitForAsync(webhook.Url, 1))[0];
        Assert.True(Signatures.VerifiesRaw(delivered, webhook.Secret));
        Assert.Single(delivered.Header("webhook-signature").Split(' '));
    }

    [Theory]
    [InlineData("[\"webhook.enabled\"]")]
    [InlineData("[\"webhook.*\"]")]
    [InlineData("[\"webhook.disabled\", \"webhook.disabled\"]")]
    public async Task OnlyKnownEventTypesMayBeSubscribed(string events)
    {
        using var user = await app.CreateUserAsync();

        var response = await user.Http.PostAsync("/api/webhooks", ApiResponses.RawJson($"{{\"url\": \"{Url}\", \"events\": {events}}}"), Ct);

        await response.ValidationProblemAsync("events");
    }

    [Fact]
    public async Task AFilterWalletMustBeOnTheWatchlistAndAValidFilterIsStored()
    {
        using var user = await app.CreateUserAsync();
        var watched = Wallets.NewAddress();
        await user.WatchAsync(watched);

        var refused = await user.Http.PostAsJsonAsync("/api/webhooks", new JsonObject
        {
            ["url"] = Url,
            ["events"] = new JsonArray("trade.new"),
            ["filters"] = new JsonObject { ["wallets"] = new JsonArray(watched, Wallets.NewAddress()) },
        }, Ct);
        var problem = await refused.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("watchlist", problem["detail"]!.GetValue<string>());

        var created = await user.Http.PostAsJsonAsync("/api/webhooks", new JsonObject
        {
            ["url"] = Url,
            ["events"] = new JsonArray("trade.new", "webhook.disabled"),
            ["filters"] = new JsonObject { ["wallets"] = new JsonArray(watched), ["min_size_usd"] = 0 },
            ["rate_limit"] = 1000,
        }, Ct);
        var webhook = (await created.SuccessAsync<WebhookWithSecretAnswer>(HttpStatusCode.Created)).Webhook;
        Assert.Equal(1000, webhook.RateLimit);
        Assert.Equal(0, webhook.Filters!.MinSizeUsd);

        var removed = await user.Http.PutAsJsonAsync($"/api/webhooks/{webhook.Id}", new JsonObject { ["rate_limit"] = 0 }, Ct);
        Assert.Null((await removed.SuccessAsync<WebhookAnswer>(HttpStatusCode.OK)).Webhook.RateLimit);
    }
}
