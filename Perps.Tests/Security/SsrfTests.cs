using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Perps.Tests.Infrastructure;
using Perps.Webhooks.Delivery;
using Perps.Webhooks.Security;

namespace Perps.Tests.Security;

/// <summary>Deliveries never reach the inside: refused at create where the URL says so, and at connect time always.</summary>
public sealed class SsrfTests(PerpsAppFixture app)
{
    public static TheoryData<string> InsideUrls =>
    [
        "http://10.0.0.1/hook",
        "http://172.16.5.4/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
        "http://240.0.0.1/hook",
        "http://[fd00::1]/hook",
        "http://[fe80::1]/hook",
        "http://[ff02::1]/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "http://[::ffff:169.254.169.254]/hook",
        "http://[64:ff9b::a9fe:a9fe]/hook",
        "https://[::]/hook",
    ];

    [Theory]
    [MemberData(nameof(InsideUrls))]
    public async Task CreateWebhookWithPrivateUrlReturnsValidationProblem(string url)
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await app.CreateUserAsync();

        var response = await user.Http.PostAsJsonAsync("/api/webhooks", new { url, events = new[] { "trade.new" } }, ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>(ct))!;
        Assert.Contains("public addresses only", problem["detail"]!.GetValue<string>());
        Assert.Empty((await user.GetJsonAsync("/api/webhooks"))["webhooks"]!.AsArray());
    }

    [Theory]
    [MemberData(nameof(InsideUrls))]
    public async Task UpdateWebhookToPrivateUrlReturnsValidationProblemAndChangesNothing(string url)
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await app.CreateUserAsync();
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());

        var response = await user.Http.PutAsJsonAsync($"/api/webhooks/{webhook.Id}", new { url }, ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(webhook.Url, (await user.GetAsync<WebhookAnswer>($"/api/webhooks/{webhook.Id}")).Webhook.Url);
    }

    [Fact]
    public async Task NameThatResolvesToLoopbackIsRefusedAtConnectTimeUnlessAllowed()
    {
        var ct = TestContext.Current.CancellationToken;
        var target = app.Receiver.NewEndpoint().Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        using var production = WebhookHttpClient.Create(Connector(), new DeliveryOptions());
        using var allowingLoopback = WebhookHttpClient.Create(Connector("127.0.0.0/8"), new DeliveryOptions());

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => production.PostAsync(target, new StringContent("{}"), ct));
        Assert.Contains("refused", refused.Message);
        Assert.Empty(app.Receiver.Received(target));

        var allowed = await allowingLoopback.PostAsync(target, new StringContent("{}"), ct);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Single(app.Receiver.Received(target));
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("no-such-host.invalid")]
    public async Task RefusalAtConnectTimeNamesNoAddressAndReadsTheSameWhetherTheNameResolvesOrNot(string host)
    {
        var ct = TestContext.Current.CancellationToken;
        using var production = WebhookHttpClient.Create(Connector(), new DeliveryOptions());

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => production.PostAsync($"http://{host}:9/hook", new StringContent("{}"), ct));

        Assert.Contains($"refused: {host} does not resolve to an address deliveries may reach", refused.Message);
        Assert.DoesNotContain("127.0.0.1", refused.ToString());
        Assert.DoesNotContain("::1", refused.ToString());
    }

    private static NetworkPolicy Policy(params string[] allowed) =>
        new(Options.Create(new SecurityOptions { AllowedNetworks = allowed }));

    private static SafeConnector Connector(params string[] allowed) => new(Policy(allowed), NullLogger<SafeConnector>.Instance);
}
