using System.Net;
using System.Net.Http.Json;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Management;

/// <summary>What belongs to one API key is invisible to every other: it reads as not found, and stays as it was.</summary>
public sealed class IsolationTests(PerpsAppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnotherKeyCannotReadChangeOrDeleteAWebhook()
    {
        using var owner = await app.CreateUserAsync("owner");
        using var intruder = await app.CreateUserAsync("intruder");
        var webhook = await owner.CreateWebhookAsync(app.Receiver.NewEndpoint(), "trade.new");
        var before = (await owner.GetJsonAsync($"/api/webhooks/{webhook.Id}")).ToJsonString();

        var attempts = new[]
        {
            await intruder.Http.GetAsync($"/api/webhooks/{webhook.Id}", Ct),
            await intruder.Http.PutAsJsonAsync($"/api/webhooks/{webhook.Id}", new { url = app.Receiver.NewEndpoint() }, Ct),
            await intruder.Http.PutAsJsonAsync($"/api/webhooks/{webhook.Id}", new { is_active = false }, Ct),
            await intruder.Http.PostAsync($"/api/webhooks/{webhook.Id}/regenerate-secret", null, Ct),
            await intruder.Http.PostAsync($"/api/webhooks/{webhook.Id}/test", null, Ct),
            await intruder.Http.GetAsync($"/api/webhooks/{webhook.Id}/deliveries", Ct),
            await intruder.Http.DeleteAsync($"/api/webhooks/{webhook.Id}", Ct),
        };

        foreach (var attempt in attempts)
        {
            var problem = await attempt.ProblemAsync(HttpStatusCode.NotFound);
            Assert.DoesNotContain(owner.KeyId, problem.ToJsonString());
        }
        Assert.Empty((await intruder.GetJsonAsync("/api/webhooks"))["webhooks"]!.AsArray());
        Assert.Equal(before, (await owner.GetJsonAsync($"/api/webhooks/{webhook.Id}")).ToJsonString());
        Assert.Empty(app.Receiver.Received(webhook.Url));
        // The secret is still the one the owner saved: a test event from the owner verifies with it.
        Assert.Equal(HttpStatusCode.OK, (await owner.Http.PostAsync($"/api/webhooks/{webhook.Id}/test", null, Ct)).StatusCode);
        var received = await app.Receiver.WaitForAsync(webhook.Url, 1);
        Assert.True(Signatures.VerifiesRaw(received[0], webhook.Secret));
    }

    [Fact]
    public async Task AnotherKeysWebhookAnswersLikeOneThatDoesNotExist()
    {
        using var owner = await app.CreateUserAsync("owner");
        using var intruder = await app.CreateUserAsync("intruder");
        var webhook = await owner.CreateWebhookAsync(app.Receiver.NewEndpoint());
        const string missing = "wh_000000000000000000000000";

        var foreign = await (await intruder.Http.GetAsync($"/api/webhooks/{webhook.Id}", Ct)).ProblemAsync(HttpStatusCode.NotFound);
        var absent = await (await intruder.Http.GetAsync($"/api/webhooks/{missing}", Ct)).ProblemAsync(HttpStatusCode.NotFound);

        Assert.Equal(absent["title"].AsString(), foreign["title"].AsString());
        Assert.Equal(absent["detail"].AsString().Replace(missing, webhook.Id), foreign["detail"].AsString());
    }

    [Fact]
    public async Task ListsShowOnlyTheCallersOwnWebhooksAndWallets()
    {
        using var first = await app.CreateUserAsync();
        using var second = await app.CreateUserAsync();
        var firstWallet = Wallets.NewAddress();
        var secondWallet = Wallets.NewAddress();
        await first.WatchAsync(firstWallet);
        await second.WatchAsync(secondWallet);
        var firstHook = await first.CreateWebhookAsync(app.Receiver.NewEndpoint());
        var secondHook = await second.CreateWebhookAsync(app.Receiver.NewEndpoint());

        var firstWebhooks = (await first.GetJsonAsync("/api/webhooks"))["webhooks"]!.AsArray();
        var secondWebhooks = (await second.GetJsonAsync("/api/webhooks"))["webhooks"]!.AsArray();
        var firstWallets = (await first.GetJsonAsync("/api/wallets"))["wallets"]!.AsArray();
        var secondWallets = (await second.GetJsonAsync("/api/wallets"))["wallets"]!.AsArray();

        Assert.Equal([firstHook.Id], firstWebhooks.Select(w => w!["id"].AsString()));
        Assert.Equal([secondHook.Id], secondWebhooks.Select(w => w!["id"].AsString()));
        Assert.Equal([firstWallet], firstWallets.Select(w => w!["address"].AsString()));
        Assert.Equal([secondWallet], secondWallets.Select(w => w!["address"].AsString()));
    }

    [Fact]
    public async Task AnotherKeyCannotRemoveAWatchedWallet()
    {
        using var owner = await app.CreateUserAsync();
        using var intruder = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await owner.WatchAsync(wallet);

        var response = await intruder.Http.DeleteAsync($"/api/wallets/{wallet}", Ct);

        await response.ProblemAsync(HttpStatusCode.NotFound);
        var wallets = (await owner.GetJsonAsync("/api/wallets"))["wallets"]!.AsArray();
        Assert.Equal([wallet], wallets.Select(w => w!["address"].AsString()));
    }

    [Fact]
    public async Task TwoKeysWatchTheSameWalletIndependently()
    {
        using var first = await app.CreateUserAsync();
        using var second = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await first.WatchAsync(wallet);

        var watch = await second.Http.PostAsJsonAsync("/api/wallets", new { address = wallet }, Ct);
        var unwatch = await second.Http.DeleteAsync($"/api/wallets/{wallet}", Ct);

        await watch.SuccessAsync(HttpStatusCode.Created);
        await unwatch.SuccessAsync(HttpStatusCode.OK);
        var wallets = (await first.GetJsonAsync("/api/wallets"))["wallets"]!.AsArray();
        Assert.Equal([wallet], wallets.Select(w => w!["address"].AsString()));
        Assert.Empty((await second.GetJsonAsync("/api/wallets"))["wallets"]!.AsArray());
    }

    [Fact]
    public async Task AWebhookReceivesOnlyTradesOfItsOwnKeysWallets()
    {
        using var watcher = await app.CreateUserAsync();
        using var bystander = await app.CreateUserAsync();
        var watched = Wallets.NewAddress();
        var other = Wallets.NewAddress();
        await watcher.WatchAsync(watched);
        await bystander.WatchAsync(other);
        var watcherHook = await watcher.CreateWebhookAsync(app.Receiver.NewEndpoint());
        var bystanderHook = await bystander.CreateWebhookAsync(app.Receiver.NewEndpoint());

        await app.IngestAsync(Trades.Event(watched));

        await app.Receiver.WaitForAsync(watcherHook.Url, 1);
        await Quiet.WaitAsync(Ct);
        Assert.Single(app.Receiver.Received(watcherHook.Url));
        Assert.Empty(app.Receiver.Received(bystanderHook.Url));
    }
}
