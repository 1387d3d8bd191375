using System.Net;
using System.Net.Http.Json;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Management;

public sealed class AuthTests(PerpsAppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static readonly TheoryData<string, string> UserRoutes = new()
    {
        { "GET", "/api/wallets" },
        { "POST", "/api/wallets" },
        { "DELETE", "/api/wallets/11111111111111111111111111111111" },
        { "GET", "/api/webhooks" },
        { "POST", "/api/webhooks" },
        { "GET", "/api/webhooks/wh_000000000000000000000000" },
        { "PUT", "/api/webhooks/wh_000000000000000000000000" },
        { "DELETE", "/api/webhooks/wh_000000000000000000000000" },
        { "POST", "/api/webhooks/wh_000000000000000000000000/regenerate-secret" },
        { "POST", "/api/webhooks/wh_000000000000000000000000/test" },
        { "GET", "/api/webhooks/wh_000000000000000000000000/deliveries" },
    };

    [Theory]
    [MemberData(nameof(UserRoutes))]
    public async Task UserRouteWithoutApiKeyReturnsUnauthorizedProblem(string method, string path)
    {
        using var anonymous = app.CreateAnonymousClient();

        var response = await anonymous.SendAsync(Request(method, path), Ct);

        var problem = await response.ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("X-API-Key", problem["detail"].AsString());
    }

    [Theory]
    [MemberData(nameof(UserRoutes))]
    public async Task UserRouteWithWrongApiKeyReturnsUnauthorizedProblem(string method, string path)
    {
        using var client = app.CreateAnonymousClient();
        client.DefaultRequestHeaders.Add("X-API-Key", "pk_this-key-was-never-issued");

        var response = await client.SendAsync(Request(method, path), Ct);

        await response.ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task UserRouteWithAdminOrIngestKeyReturnsUnauthorized()
    {
        using var admin = app.CreateAdminClient();
        using var ingest = app.CreateIngestClient();

        var asAdmin = await admin.GetAsync("/api/webhooks", Ct);
        var asIngest = await ingest.GetAsync("/api/wallets", Ct);

        await asAdmin.ProblemAsync(HttpStatusCode.Unauthorized);
        await asIngest.ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AdminRoutesRefuseAUserApiKey()
    {
        using var user = await app.CreateUserAsync();

        var create = await user.Http.PostAsJsonAsync("/api/admin/api-keys", new { name = "escalation" }, Ct);
        var revoke = await user.Http.DeleteAsync($"/api/admin/api-keys/{user.KeyId}", Ct);

        await create.ProblemAsync(HttpStatusCode.Unauthorized);
        await revoke.ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await user.Http.GetAsync("/api/wallets", Ct)).StatusCode);
    }

    [Fact]
    public async Task AdminRoutesRefuseAMissingOrWrongAdminKey()
    {
        using var user = await app.CreateUserAsync();
        using var anonymous = app.CreateAnonymousClient();
        using var wrong = app.CreateAnonymousClient();
        wrong.DefaultRequestHeaders.Add("X-Admin-Key", "not-the-admin-key");
        using var ingest = app.CreateIngestClient();

        var responses = new[]
        {
            await anonymous.PostAsJsonAsync("/api/admin/api-keys", new { name = "x" }, Ct),
            await wrong.PostAsJsonAsync("/api/admin/api-keys", new { name = "x" }, Ct),
            await ingest.PostAsJsonAsync("/api/admin/api-keys", new { name = "x" }, Ct),
            await anonymous.DeleteAsync($"/api/admin/api-keys/{user.KeyId}", Ct),
            await wrong.DeleteAsync($"/api/admin/api-keys/{user.KeyId}", Ct),
        };

        foreach (var response in responses)
        {
            var problem = await response.ProblemAsync(HttpStatusCode.Unauthorized);
            Assert.Contains("X-Admin-Key", problem["detail"].AsString());
        }
        Assert.Equal(HttpStatusCode.OK, (await user.Http.GetAsync("/api/wallets", Ct)).StatusCode);
    }

    [Fact]
    public async Task TradesRefuseAnyKeyButTheIngestKeyAndStoreNothing()
    {
        using var watcher = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await watcher.WatchAsync(wallet);
        var webhook = await watcher.CreateWebhookAsync(app.Receiver.NewEndpoint());
        var trade = Trades.Event(wallet, id: $"evt_{Guid.NewGuid():N}");
        using var anonymous = app.CreateAnonymousClient();
        using var wrong = app.CreateAnonymousClient();
        wrong.DefaultRequestHeaders.Add("X-Ingest-Key", "not-the-ingest-key");
        using var admin = app.CreateAdminClient();

        var responses = new[]
        {
            await anonymous.PostAsJsonAsync("/api/trades", trade, Ct),
            await wrong.PostAsJsonAsync("/api/trades", trade, Ct),
            await admin.PostAsJsonAsync("/api/trades", trade, Ct),
            await watcher.Http.PostAsJsonAsync("/api/trades", trade, Ct),
        };

        foreach (var response in responses)
        {
            var problem = await response.ProblemAsync(HttpStatusCode.Unauthorized);
            Assert.Contains("X-Ingest-Key", problem["detail"].AsString());
        }
        await Quiet.WaitAsync(Ct);
        Assert.Empty(app.Receiver.Received(webhook.Url));
        // Had a refused post stored the event, this id would be a duplicate and deliver nothing.
        await app.IngestAsync(trade);
        await app.Receiver.WaitForAsync(webhook.Url, 1);
    }

    private static HttpRequestMessage Request(string method, string path) => new(new HttpMethod(method), path)
    {
        Content = method is "POST" or "PUT" ? ApiResponses.RawJson("{}") : null,
    };
}
