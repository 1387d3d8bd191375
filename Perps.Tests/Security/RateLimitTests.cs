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
}
