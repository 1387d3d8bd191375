using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Security;

public sealed class RateLimitTests(PerpsAppFixture app)
{
    [Fact]
    public async Task KeyOverItsLimitGetsTooManyRequestsWithRetryAfterWhileOtherKeysAreServed()
    {
        var ct = TestContext.Current.CancellationToken;
        using var busy = await app.CreateUserAsync();
        using var quiet = await app.CreateUserAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 300).Select(_ => busy.Http.GetAsync("/api/wallets", ct)));

        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"{r.StatusCode}"));
        var rejected = limited[0];
        Assert.True(rejected.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal("application/problem+json", rejected.Content.Headers.ContentType!.MediaType);
        var problem = (await rejected.Content.ReadFromJsonAsync<JsonObject>(ct))!;
        Assert.False(problem["success"]!.GetValue<bool>());
        Assert.Equal(429, problem["status"]!.GetValue<int>());

        Assert.Equal(HttpStatusCode.OK, (await quiet.Http.GetAsync("/api/wallets", ct)).StatusCode);

        await Task.Delay(rejected.Headers.RetryAfter!.Delta!.Value + TimeSpan.FromSeconds(1), ct);
        Assert.Equal(HttpStatusCode.OK, (await busy.Http.GetAsync("/api/wallets", ct)).StatusCode);
    }

    [Fact]
    public async Task FloodOfRandomApiKeysGetsTooManyRequestsBeforeLookupsWhileAKeyInUseFromThatAddressIsServed()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Attacker = "203.0.113.10";
        using var neighbour = await app.CreateUserAsync();
        neighbour.Http.DefaultRequestHeaders.Add("X-Forwarded-For", Attacker);
        Assert.Equal(HttpStatusCode.OK, (await neighbour.Http.GetAsync("/api/wallets", ct)).StatusCode);
        using var latecomer = await app.CreateUserAsync();
        latecomer.Http.DefaultRequestHeaders.Add("X-Forwarded-For", Attacker);

        var started = DateTimeOffset.UtcNow;
        var flood = await SendConcurrentlyAsync(250, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/api/wallets");
            request.Headers.Add("X-API-Key", $"pk_{Guid.NewGuid():N}");
            request.Headers.Add("X-Forwarded-For", Attacker);
            return request;
        }, ct);
        var elapsed = DateTimeOffset.UtcNow - started;

        Assert.All(flood, r => Assert.True(r.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, $"{r.StatusCode}"));
        var lookedUp = flood.Count(r => r.StatusCode == HttpStatusCode.Unauthorized);
        // At most the allowance, what refilled meanwhile, and the requests in flight when it ran out.
        var bound = PerpsAppFixture.FailedAuthPerMinute + (int)Math.Ceiling(elapsed.TotalMinutes * PerpsAppFixture.FailedAuthPerMinute) + Concurrency;
        Assert.InRange(lookedUp, 1, bound);
        await AssertTooManyRequestsProblemAsync(flood.Last(r => r.StatusCode == HttpStatusCode.TooManyRequests), "failed authentication attempts");

        Assert.Equal(HttpStatusCode.OK, (await neighbour.Http.GetAsync("/api/wallets", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await latecomer.Http.GetAsync("/api/wallets", ct)).StatusCode);
        using var elsewhere = app.CreateAnonymousClient();
        elsewhere.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.11");
        elsewhere.DefaultRequestHeaders.Add("X-API-Key", "pk_this-key-was-never-issued");
        Assert.Equal(HttpStatusCode.Unauthorized, (await elsewhere.GetAsync("/api/wallets", ct)).StatusCode);
    }

    [Fact]
    public async Task WrongAdminAndIngestKeysAreLimitedPerAddressAndTheRightKeyGetsNoPassThere()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Attacker = "203.0.113.20";
        var trade = Trades.Event(Wallets.NewAddress());

        var flood = await SendConcurrentlyAsync(PerpsAppFixture.FailedAuthPerMinute + 60, i =>
        {
            var request = i % 2 == 0
                ? new HttpRequestMessage(HttpMethod.Post, "/api/admin/api-keys") { Content = JsonContent.Create(new { name = "guess" }) }
                : new HttpRequestMessage(HttpMethod.Post, "/api/trades") { Content = JsonContent.Create(trade) };
            request.Headers.Add(i % 2 == 0 ? "X-Admin-Key" : "X-Ingest-Key", $"guess-{i}");
            request.Headers.Add("X-Forwarded-For", Attacker);
            return request;
        }, ct);

        Assert.All(flood, r => Assert.True(r.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, $"{r.StatusCode}"));
        Assert.Contains(flood, r => r.StatusCode == HttpStatusCode.TooManyRequests && r.RequestMessage!.RequestUri!.AbsolutePath.StartsWith("/api/admin"));
        Assert.Contains(flood, r => r.StatusCode == HttpStatusCode.TooManyRequests && r.RequestMessage!.RequestUri!.AbsolutePath.StartsWith("/api/trades"));

        // Were the right key let through here, a 429 would tell a guesser its guesses are wrong: no oracle.
        using var admin = app.CreateAdminClient();
        admin.DefaultRequestHeaders.Add("X-Forwarded-For", Attacker);
        var fromAttacker = await admin.PostAsJsonAsync("/api/admin/api-keys", new { name = "operator" }, ct);
        await AssertTooManyRequestsProblemAsync(fromAttacker, "failed authentication attempts");
        using var operatorAdmin = app.CreateAdminClient();
        Assert.Equal(HttpStatusCode.Created, (await operatorAdmin.PostAsJsonAsync("/api/admin/api-keys", new { name = "operator" }, ct)).StatusCode);
    }

    private const int Concurrency = 10;

    private async Task<List<HttpResponseMessage>> SendConcurrentlyAsync(int count, Func<HttpRequestMessage> request, CancellationToken ct) =>
        await SendConcurrentlyAsync(count, _ => request(), ct);

    private async Task<List<HttpResponseMessage>> SendConcurrentlyAsync(int count, Func<int, HttpRequestMessage> request, CancellationToken ct)
    {
        using var client = app.CreateAnonymousClient();
        var responses = new HttpResponseMessage[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = ct },
            async (i, token) => responses[i] = await client.SendAsync(request(i), token));
        return [.. responses];
    }

    private static async Task AssertTooManyRequestsProblemAsync(HttpResponseMessage response, string detail)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.False(problem["success"]!.GetValue<bool>());
        Assert.Equal(429, problem["status"]!.GetValue<int>());
        Assert.Contains(detail, problem["detail"]!.GetValue<string>());
    }
}
