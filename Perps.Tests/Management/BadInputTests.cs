using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Management;

/// <summary>Every kind of bad input is a 4xx problem that says what is wrong, and leaves the user's data as it was.</summary>
public sealed class BadInputTests(PerpsAppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string GoodUrl = "http://127.0.0.1:9/hook";

    [Theory]
    [InlineData("{")]
    [InlineData("{\"url\": \"http://127.0.0.1:9/hook\", \"events\": [\"trade.new\"]")]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("\"http://127.0.0.1:9/hook\"")]
    [InlineData("{\"url\": 5, \"events\": [\"trade.new\"]}")]
    [InlineData("{\"url\": \"http://127.0.0.1:9/hook\", \"events\": \"trade.new\"}")]
    [InlineData("{\"url\": \"http://127.0.0.1:9/hook\", \"events\": [1]}")]
    [InlineData("{\"url\": \"http://127.0.0.1:9/hook\", \"events\": [null]}")]
    [InlineData("{\"url\": \"http://127.0.0.1:9/hook\", \"events\": null}")]
    [InlineData("{\"url\": null, \"events\": [\"trade.new\"]}")]
    [InlineData("{\"url\": \"http://127.0.0.1:9/hook\"}")]
    [InlineData("{\"events\": [\"trade.new\"]}")]
    [InlineData("{}")]
    [InlineData("{\"url\": \"http://127.0.0.1:9/hook\", \"events\": [\"trade.new\"], \"is_active\": false}")]
    [InlineData("{\"url\": \"http://127.0.0.1:9/hook\", \"events\": [\"trade.new\"], \"secret\": \"whsec_mine\"}")]
    [InlineData("{\"url\": \"http://127.0.0.1:9/hook\", \"events\": [\"trade.new\"], \"extra\": 1}")]
    [InlineData("{\"URL\": \"http://127.0.0.1:9/hook\", \"events\": [\"trade.new\"]}")]
    [InlineData("{\"url\": \"http://127.0.0.1:9/hook\", \"url\": \"http://127.0.0.1:9/other\", \"events\": [\"trade.new\"]}")]
    public async Task CreateWebhookWithUnreadableBodyReturnsProblemAndCreatesNothing(string body)
    {
        using var user = await app.CreateUserAsync();

        var response = await user.Http.PostAsync("/api/webhooks", ApiResponses.RawJson(body), Ct);

        await response.ClientProblemAsync();
        await AssertNoWebhooksAsync(user);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1/hook")]
    [InlineData("javascript:alert(1)")]
    [InlineData("file:///etc/passwd")]
    [InlineData("ws://127.0.0.1/hook")]
    [InlineData("data:text/plain,hello")]
    [InlineData("/relative/hook")]
    [InlineData("relative/hook")]
    [InlineData("//127.0.0.1/hook")]
    [InlineData("http://")]
    [InlineData("http:///hook")]
    [InlineData("http://user:pass@127.0.0.1/hook")]
    [InlineData("http://user@127.0.0.1/hook")]
    [InlineData("http://127.0.0.1/hook\r\nX-Injected: 1")]
    [InlineData("http://127.0.0.1/hook\n")]
    [InlineData("http://127.0.0.1/a b")]
    [InlineData(" http://127.0.0.1/hook")]
    [InlineData("http://127.0.0.1/a\tb")]
    [InlineData("http://127.0.0.1/a\u00a0b")]
    [InlineData("http://127.0.0.1/a\u0000b")]
    [InlineData("")]
    [InlineData("   ")]
    public async Task CreateWebhookWithInvalidUrlReturnsValidationProblem(string url)
    {
        using var user = await app.CreateUserAsync();

        var response = await user.Http.PostAsJsonAsync("/api/webhooks", new { url, events = new[] { "trade.new" } }, Ct);

        await response.ValidationProblemAsync("url");
        await AssertNoWebhooksAsync(user);
    }

    [Fact]
    public async Task CreateWebhookWithUrlLongerThan2048CharactersReturnsValidationProblem()
    {
        using var user = await app.CreateUserAsync();
        var url = "http://127.0.0.1/hook?pad=" + new string('a', 2049 - "http://127.0.0.1/hook?pad=".Length);

        var response = await user.Http.PostAsJsonAsync("/api/webhooks", new { url, events = new[] { "trade.new" } }, Ct);

        var problem = await response.ValidationProblemAsync("url");
        Assert.Contains("2048", problem["detail"].AsString());
        await AssertNoWebhooksAsync(user);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[\"trade.open\"]")]
    [InlineData("[\"TRADE.NEW\"]")]
    [InlineData("[\"trade.new \"]")]
    [InlineData("[\"\"]")]
    [InlineData("[\"trade.new\", \"trade.new\"]")]
    [InlineData("[\"trade.new\", \"trade.close\", \"trade.new\"]")]
    [InlineData("[\"trade.new\", \"*\"]")]
    public async Task CreateWebhookWithBadEventsReturnsValidationProblem(string events)
    {
        using var user = await app.CreateUserAsync();

        var response = await user.Http.PostAsync("/api/webhooks", ApiResponses.RawJson($$"""{"url": "{{GoodUrl}}", "events": {{events}}}"""), Ct);

        await response.ValidationProblemAsync("events");
        await AssertNoWebhooksAsync(user);
    }

    [Fact]
    public async Task CreateWebhookWithUnknownEventTypeNamesItInTheProblem()
    {
        using var user = await app.CreateUserAsync();

        var response = await user.Http.PostAsJsonAsync("/api/webhooks", new { url = GoodUrl, events = new[] { "trade.new", "trade.open" } }, Ct);

        var problem = await response.ValidationProblemAsync("events");
        Assert.Contains("trade.open", problem["detail"].AsString());
        await AssertNoWebhooksAsync(user);
    }

    [Fact]
    public async Task CreateWebhookWithBodyOver2MiBReturnsPayloadTooLarge()
    {
        using var user = await app.CreateUserAsync();
        var request = ApiResponses.Oversized(HttpMethod.Post, "/api/webhooks",
            padding => $$"""{"url": "{{GoodUrl}}", "events": ["trade.new"], "padding": "{{padding}}"}""");

        var response = await user.Http.SendAsync(request, Ct);

        await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        await AssertNoWebhooksAsync(user);
    }

    [Fact]
    public async Task CreateWebhookWithNonJsonContentTypeReturnsProblem()
    {
        using var user = await app.CreateUserAsync();
        var body = new StringContent($$"""{"url": "{{GoodUrl}}", "events": ["trade.new"]}""", Encoding.UTF8, "text/plain");

        var response = await user.Http.PostAsync("/api/webhooks", body, Ct);

        await response.ProblemAsync(HttpStatusCode.UnsupportedMediaType);
        await AssertNoWebhooksAsync(user);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"url\": null}")]
    [InlineData("{\"is_active\": null}")]
    [InlineData("{\"url\": null, \"events\": null, \"is_active\": null}")]
    [InlineData("{")]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"url\": 5}")]
    [InlineData("{\"url\": \"ftp://127.0.0.1/hook\"}")]
    [InlineData("{\"url\": \"javascript:alert(1)\"}")]
    [InlineData("{\"url\": \"/relative\"}")]
    [InlineData("{\"url\": \"http://user:pass@127.0.0.1/hook\"}")]
    [InlineData("{\"url\": \"http://127.0.0.1/a\\r\\nX-Injected: 1\"}")]
    [InlineData("{\"url\": \"http://127.0.0.1/a b\"}")]
    [InlineData("{\"events\": []}")]
    [InlineData("{\"events\": \"trade.new\"}")]
    [InlineData("{\"events\": [\"trade.open\"]}")]
    [InlineData("{\"events\": [\"trade.new\", \"trade.new\"]}")]
    [InlineData("{\"is_active\": \"false\"}")]
    [InlineData("{\"is_active\": 0}")]
    [InlineData("{\"secret\": \"whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}")]
    [InlineData("{\"id\": \"wh_000000000000000000000000\"}")]
    [InlineData("{\"disabled_reason\": null}")]
    [InlineData("{\"is_active\": false, \"extra\": true}")]
    [InlineData("{\"events\": [\"trade.close\"], \"url\": \"ftp://127.0.0.1/hook\"}")]
    [InlineData("{\"is_active\": false, \"is_active\": true}")]
    public async Task UpdateWebhookWithBadInputReturnsProblemAndChangesNothing(string body)
    {
        using var user = await app.CreateUserAsync();
        var created = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(), "trade.new");
        var before = (await user.GetJsonAsync($"/api/webhooks/{created.Id}")).ToJsonString();

        var response = await user.Http.PutAsync($"/api/webhooks/{created.Id}", ApiResponses.RawJson(body), Ct);

        await response.ClientProblemAsync();
        Assert.Equal(before, (await user.GetJsonAsync($"/api/webhooks/{created.Id}")).ToJsonString());
    }

    [Fact]
    public async Task UpdateWebhookWithEmptyObjectNamesTheMissingFields()
    {
        using var user = await app.CreateUserAsync();
        var created = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());

        var response = await user.Http.PutAsJsonAsync($"/api/webhooks/{created.Id}", new JsonObject(), Ct);

        var problem = await response.ValidationProblemAsync("body");
        Assert.Contains("is_active", problem["detail"].AsString());
    }

    [Fact]
    public async Task UpdateWebhookWithUrlLongerThan2048CharactersChangesNothing()
    {
        using var user = await app.CreateUserAsync();
        var created = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());
        var before = (await user.GetJsonAsync($"/api/webhooks/{created.Id}")).ToJsonString();

        var response = await user.Http.PutAsJsonAsync($"/api/webhooks/{created.Id}", new { url = created.Url + "?" + new string('a', 2048) }, Ct);

        await response.ValidationProblemAsync("url");
        Assert.Equal(before, (await user.GetJsonAsync($"/api/webhooks/{created.Id}")).ToJsonString());
    }

    [Fact]
    public async Task UpdateWebhookWithBodyOver2MiBReturnsPayloadTooLargeAndChangesNothing()
    {
        using var user = await app.CreateUserAsync();
        var created = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());
        var before = (await user.GetJsonAsync($"/api/webhooks/{created.Id}")).ToJsonString();
        var request = ApiResponses.Oversized(HttpMethod.Put, $"/api/webhooks/{created.Id}",
            padding => $$"""{"is_active": false, "padding": "{{padding}}"}""");

        var response = await user.Http.SendAsync(request, Ct);

        await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before, (await user.GetJsonAsync($"/api/webhooks/{created.Id}")).ToJsonString());
    }

    /// <summary>A valid 44-character address (the Solana docs' example) to spoil in different ways.</summary>
    private const string ValidAddress = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM";

    public static readonly TheoryData<string> InvalidAddresses = InvalidAddressesOf(ValidAddress);

    [Theory]
    [MemberData(nameof(InvalidAddresses))]
    public async Task WatchWalletWithInvalidAddressReturnsValidationProblem(string address)
    {
        using var user = await app.CreateUserAsync();

        var response = await user.Http.PostAsJsonAsync("/api/wallets", new { address }, Ct);

        await response.ValidationProblemAsync("address");
        await AssertNoWalletsAsync(user);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("{\"address\": null}")]
    [InlineData("{\"address\": 5}")]
    [InlineData("{\"address\": [\"11111111111111111111111111111111\"]}")]
    [InlineData("{\"address\": \"11111111111111111111111111111111\", \"label\": \"mine\"}")]
    [InlineData("{\"wallet\": \"11111111111111111111111111111111\"}")]
    public async Task WatchWalletWithUnreadableBodyReturnsProblemAndWatchesNothing(string body)
    {
        using var user = await app.CreateUserAsync();

        var response = await user.Http.PostAsync("/api/wallets", ApiResponses.RawJson(body), Ct);

        await response.ClientProblemAsync();
        await AssertNoWalletsAsync(user);
    }

    [Fact]
    public async Task WatchWalletWithBodyOver2MiBReturnsPayloadTooLarge()
    {
        using var user = await app.CreateUserAsync();
        var request = ApiResponses.Oversized(HttpMethod.Post, "/api/wallets",
            padding => $$"""{"address": "{{Wallets.NewAddress()}}", "padding": "{{padding}}"}""");

        var response = await user.Http.SendAsync(request, Ct);

        await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        await AssertNoWalletsAsync(user);
    }

    [Fact]
    public async Task CreateApiKeyWithUnreadableBodyReturnsProblem()
    {
        using var admin = app.CreateAdminClient();

        var responses = new[]
        {
            await admin.PostAsync("/api/admin/api-keys", ApiResponses.RawJson("{"), Ct),
            await admin.PostAsync("/api/admin/api-keys", ApiResponses.RawJson(""), Ct),
            await admin.PostAsync("/api/admin/api-keys", ApiResponses.RawJson("{\"name\": 5}"), Ct),
            await admin.PostAsync("/api/admin/api-keys", ApiResponses.RawJson("{\"name\": null}"), Ct),
            await admin.PostAsync("/api/admin/api-keys", ApiResponses.RawJson("{\"name\": \"x\", \"key\": \"pk_chosen\"}"), Ct),
        };

        foreach (var response in responses)
        {
            await response.ClientProblemAsync();
        }
    }

    private static TheoryData<string> InvalidAddressesOf(string valid)
    {
        var data = new TheoryData<string>();
        foreach (var outsider in "0OIl+/=-_")
        {
            data.Add(valid[..5] + outsider + valid[6..]);
        }
        data.Add(valid[..31]);
        data.Add(valid + "2");
        data.Add(new string('z', 45));
        data.Add(new string('2', 32)); // valid base58 and length, but only 24 bytes
        data.Add(new string('z', 44)); // valid base58 and length, but 33 bytes
        data.Add("1" + new string('z', 43));
        data.Add(" " + valid);
        data.Add(valid + "\n");
        data.Add("");
        data.Add("0x" + new string('a', 40));
        return data;
    }

    private static async Task AssertNoWebhooksAsync(UserClient user) =>
        Assert.Empty((await user.GetJsonAsync("/api/webhooks"))["webhooks"]!.AsArray());

    private static async Task AssertNoWalletsAsync(UserClient user) =>
        Assert.Empty((await user.GetJsonAsync("/api/wallets"))["wallets"]!.AsArray());
}
