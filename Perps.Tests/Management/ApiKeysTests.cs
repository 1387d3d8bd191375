using System.Net;
using System.Net.Http.Json;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Management;

public sealed class ApiKeysTests(PerpsAppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CreateApiKeyReturnsTheKeyWithItsLocation()
    {
        using var admin = app.CreateAdminClient();

        var response = await admin.PostAsJsonAsync("/api/admin/api-keys", new { name = "  trading bot  " }, Ct);

        var body = await response.SuccessAsync(HttpStatusCode.Created);
        ApiResponses.HasExactlyFields(body, "success", "apiKey");
        var key = body["apiKey"]!;
        ApiResponses.HasExactlyFields(key, "id", "name", "key");
        Assert.StartsWith("key_", key["id"].AsString());
        Assert.Equal("trading bot", key["name"].AsString());
        Assert.StartsWith("pk_", key["key"].AsString());
        Assert.Equal($"/api/admin/api-keys/{key["id"].AsString()}", response.Headers.Location?.OriginalString);
        using var user = app.CreateAnonymousClient();
        user.DefaultRequestHeaders.Add("X-API-Key", key["key"].AsString());
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("/api/wallets", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("line\nbreak")]
    [InlineData("this name is one hundred and one characters long, which is one more than the limit allows, sorry!!!!!")]
    public async Task CreateApiKeyWithBadNameReturnsValidationProblem(string name)
    {
        using var admin = app.CreateAdminClient();

        var response = await admin.PostAsJsonAsync("/api/admin/api-keys", new { name }, Ct);

        await response.ValidationProblemAsync("name");
    }

    [Fact]
    public async Task RevokeApiKeyLocksTheKeyOut()
    {
        using var user = await app.CreateUserAsync();
        using var admin = app.CreateAdminClient();

        var response = await admin.DeleteAsync($"/api/admin/api-keys/{user.KeyId}", Ct);

        var body = await response.SuccessAsync(HttpStatusCode.OK);
        ApiResponses.HasExactlyFields(body, "success", "message");
        await (await user.Http.GetAsync("/api/wallets", Ct)).ProblemAsync(HttpStatusCode.Unauthorized);
        await (await user.Http.GetAsync("/api/webhooks", Ct)).ProblemAsync(HttpStatusCode.Unauthorized);
        await (await user.Http.PostAsJsonAsync("/api/wallets", new { address = Wallets.NewAddress() }, Ct)).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task RevokedApiKeysWebhooksReceiveNothingMore()
    {
        using var revoked = await app.CreateUserAsync();
        using var control = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await revoked.WatchAsync(wallet);
        await control.WatchAsync(wallet);
        var revokedHook = await revoked.CreateWebhookAsync(app.Receiver.NewEndpoint());
        var controlHook = await control.CreateWebhookAsync(app.Receiver.NewEndpoint());
        using var admin = app.CreateAdminClient();
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/admin/api-keys/{revoked.KeyId}", Ct)).StatusCode);

        await app.IngestAsync(Trades.Event(wallet));

        await app.Receiver.WaitForAsync(controlHook.Url, 1);
        await Quiet.WaitAsync(Ct);
        Assert.Empty(app.Receiver.Received(revokedHook.Url));
    }

    [Fact]
    public async Task RevokeApiKeyTwiceReturnsNotFound()
    {
        using var user = await app.CreateUserAsync();
        using var admin = app.CreateAdminClient();
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/admin/api-keys/{user.KeyId}", Ct)).StatusCode);

        var response = await admin.DeleteAsync($"/api/admin/api-keys/{user.KeyId}", Ct);

        await response.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task RevokeUnknownApiKeyReturnsNotFound()
    {
        using var admin = app.CreateAdminClient();

        var response = await admin.DeleteAsync("/api/admin/api-keys/key_000000000000000000000000", Ct);

        await response.ProblemAsync(HttpStatusCode.NotFound);
    }
}
