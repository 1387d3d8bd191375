using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Perps.Tests.Infrastructure;
using Perps.Tests.Management;

namespace Perps.Tests.Security;

/// <summary>
/// Malformed and hostile bodies thrown at every route that takes one: each gets a 4xx problem response, never a 5xx,
/// and nothing is stored or changed.
/// </summary>
public sealed class HostileInputTests(PerpsAppFixture app)
{
    private static readonly (string Method, string Path)[] UserRoutes =
    [
        ("POST", "/api/wallets"),
        ("POST", "/api/webhooks"),
        ("PUT", "/api/webhooks/{id}"),
        ("POST", "/api/webhooks/{id}/test"),
        ("POST", "/api/webhooks/{id}/recover"),
    ];

    public static TheoryData<string, byte[]> HostileBodies() => new()
    {
        { "deep nesting", Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000)) },
        { "deep object nesting", Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", 2000)) + "1" + new string('}', 2000)) },
        { "invalid UTF-8", [.. "{\"url\":\""u8, 0xC3, 0x28, 0xFF, 0xFE, .. "\",\"events\":[\"trade.new\"],\"address\":\"x\",\"name\":\"n\"}"u8] },
        { "overlong UTF-8 slash", [.. "{\"name\":\""u8, 0xC0, 0xAF, .. "\"}"u8] },
        { "lone surrogate escape", Encoding.UTF8.GetBytes("{\"name\":\"\\ud800\",\"url\":\"http://127.0.0.1/\\udc00\",\"events\":[\"trade.new\"],\"address\":\"\\ud800\"}") },
        { "NaN literal", Encoding.UTF8.GetBytes("{\"type\":\"trade.new\",\"data\":{\"sizeUsd\":NaN}}") },
        { "huge string", Encoding.UTF8.GetBytes("{\"name\":\"" + new string('x', 1_500_000) + "\",\"url\":\"http://127.0.0.1/x\",\"events\":[\"trade.new\"]}") },
        { "zero-width event type", Encoding.UTF8.GetBytes("{\"url\":\"http://127.0.0.1/x\",\"events\":[\"trade.new\\u200b\"]}") },
        { "right-to-left override in url", Encoding.UTF8.GetBytes("{\"url\":\"http://127.0.0.1/\\u202egnp.exe\",\"events\":[\"trade.new\"]}") },
        { "fullwidth wallet digits", Encoding.UTF8.GetBytes("{\"address\":\"ＤＲＶＲvzf8pSiMJi5BY1NmZu5STahBYKMVcfkPp3vxPump\"}") },
        { "header injection in url", Encoding.UTF8.GetBytes("{\"url\":\"http://127.0.0.1/x\\r\\nX-Injected: 1\",\"events\":[\"trade.new\"]}") },
        { "duplicate keys", Encoding.UTF8.GetBytes("{\"url\":\"http://127.0.0.1/a\",\"url\":\"http://10.0.0.1/b\",\"events\":[\"trade.new\"]}") },
        { "array instead of object", Encoding.UTF8.GetBytes("[1,2,3]") },
        { "bare string", Encoding.UTF8.GetBytes("\"hello\"") },
        { "trailing garbage", Encoding.UTF8.GetBytes("{\"url\":\"http://127.0.0.1/a\",\"events\":[\"trade.new\"]} trailing") },
        { "negative zero and huge exponents", Encoding.UTF8.GetBytes("{\"since\":-0,\"is_active\":1e999999}") },
        { "unterminated", Encoding.UTF8.GetBytes("{\"url\":\"http://127.0.0.1/a") },
    };

    [Theory]
    [MemberData(nameof(HostileBodies))]
    public async Task HostileBodyOnEveryUserRouteGetsAClientProblemAndChangesNothing(string what, byte[] body)
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await app.CreateUserAsync();
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());
        var before = (await user.GetJsonAsync($"/api/webhooks/{webhook.Id}")).ToJsonString();

        foreach (var (method, path) in UserRoutes)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{id}", webhook.Id, StringComparison.Ordinal))
            {
                Content = Json(body),
            };
            var response = await user.Http.SendAsync(request, ct);
            AssertClientProblem(response, $"{what} on {method} {path}");
        }

        Assert.Empty((await user.GetJsonAsync("/api/wallets"))["wallets"]!.AsArray());
        Assert.Single((await user.GetJsonAsync("/api/webhooks"))["webhooks"]!.AsArray());
        Assert.Equal(before, (await user.GetJsonAsync($"/api/webhooks/{webhook.Id}")).ToJsonString());
        Assert.Empty(app.Receiver.Received(webhook.Url));
    }

    [Theory]
    [MemberData(nameof(HostileBodies))]
    public async Task HostileBodyOnIngestionAndAdminGetsAClientProblem(string what, byte[] body)
    {
        var ct = TestContext.Current.CancellationToken;
        using var ingest = app.CreateIngestClient();
        using var admin = app.CreateAdminClient();

        AssertClientProblem(await ingest.PostAsync("/api/trades", Json(body), ct), $"{what} on POST /api/trades");
        AssertClientProblem(await admin.PostAsync("/api/admin/api-keys", Json(body), ct), $"{what} on POST /api/admin/api-keys");
    }

    [Fact]
    public async Task HostileTradesStoreNothingAndReachNobody()
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());
        using var ingest = app.CreateIngestClient();
        const string Good = """{"type":"trade.new","data":{"owner":"OWNER","marketSymbol":"SOL-PERP","side":"long","sizeUsd":1,"leverage":5,"entryPrice":1,"collateral":1,"timestamp":"2025-01-15T10:30:00Z"}}""";
        var hostile = new[]
        {
            Good.Replace("\"sizeUsd\":1", "\"sizeUsd\":-1", StringComparison.Ordinal),
            Good.Replace("\"sizeUsd\":1", "\"sizeUsd\":\"NaN\"", StringComparison.Ordinal),
            Good.Replace("\"sizeUsd\":1", "\"sizeUsd\":1e999", StringComparison.Ordinal),
            Good.Replace("SOL-PERP", new string('S', 100_000), StringComparison.Ordinal),
            Good.Replace("OWNER", "OWNER\\u200b", StringComparison.Ordinal),
            Good.Replace("{\"type\"", "{\"id\":\"evt_\\r\\nX: y\",\"type\"", StringComparison.Ordinal),
            Good.Replace("{\"type\"", "{\"id\":\"evt_trailing_newline\\n\",\"type\"", StringComparison.Ordinal),
        }.Select(body => body.Replace("OWNER", wallet, StringComparison.Ordinal));

        foreach (var body in hostile)
        {
            AssertClientProblem(await ingest.PostAsync("/api/trades", Json(Encoding.UTF8.GetBytes(body)), ct), body[..Math.Min(body.Length, 80)]);
        }

        await Quiet.WaitAsync(ct);
        Assert.Empty(app.Receiver.Received(webhook.Url));
        // The owner is this test's own wallet (or starts with it): any row for it came from a refused request.
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM events WHERE starts_with(owner, $1)", wallet));
    }

    [Fact]
    public async Task TradeIdWithATrailingNewlineIsRefusedAndStoresNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = $"evt_{Guid.NewGuid():N}";
        using var ingest = app.CreateIngestClient();

        var response = await ingest.PostAsJsonAsync("/api/trades", Trades.Event(Wallets.NewAddress(), id: id + "\n"), ct);

        await response.ValidationProblemAsync("event.id");
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM events WHERE starts_with(id, $1)", id));
    }

    private static ByteArrayContent Json(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static void AssertClientProblem(HttpResponseMessage response, string what)
    {
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{what}: {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
