using System.Text.Json.Nodes;
using Perps.Tests.Infrastructure;
using static Perps.Tests.Subscriptions.SubscriptionSetup;

namespace Perps.Tests.Subscriptions;

/// <summary>
/// What receivers say and what the owner sees: 410 Gone disables an endpoint at once, its owner's other endpoints
/// subscribed to <c>webhook.disabled</c> hear of it (signed like any delivery), and the health figures show how an
/// endpoint is doing.
/// </summary>
public sealed class EndpointSignalsTests(PerpsAppFixture app)
{
    [Fact]
    public async Task A410DisablesTheEndpointAtOnceAndTheOwnersSubscribedEndpointsReceiveWebhookDisabled()
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await app.CreateUserAsync();
        using var stranger = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        await stranger.WatchAsync(wallet);
        var gone = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(_ => (410, TimeSpan.Zero)), "trade.new", "webhook.disabled");
        var watcher = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(), "webhook.disabled");
        var tradesOnly = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(), "trade.new");
        var strangersWatcher = await stranger.CreateWebhookAsync(app.Receiver.NewEndpoint(), "trade.new", "webhook.disabled");

        var eventId = (await app.IngestAsync(Trades.Event(wallet)))[0];

        var notice = (await app.Receiver.WaitForAsync(watcher.Url, 1))[0];
        var disabled = await user.WaitForWebhookAsync(gone.Id, w => !w["is_active"]!.GetValue<bool>());
        Assert.Contains("410 Gone", disabled["disabled_reason"]!.GetValue<string>());
        Assert.NotNull(disabled["disabled_at"]);

        Assert.Equal("webhook.disabled", notice.Header("X-Event-Type"));
        Assert.True(Signatures.VerifiesRaw(notice, watcher.Secret));
        Assert.True(Signatures.VerifiesStandard(notice, watcher.Secret));
        Assert.Equal(notice.BodyText, JsonNode.Parse(notice.BodyText)!.ToJsonString()); // compact, as every body
        var body = Signatures.Parse(notice);
        Assert.StartsWith("evt_", body["id"]!.GetValue<string>());
        Assert.Equal("webhook.disabled", body["type"]!.GetValue<string>());
        Assert.InRange(body["created"]!.GetValue<long>(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        var data = body["data"]!;
        Assert.Equal(gone.Id, data["webhook_id"]!.GetValue<string>());
        Assert.Equal(gone.Url, data["url"]!.GetValue<string>());
        Assert.Equal(disabled["disabled_reason"]!.GetValue<string>(), data["reason"]!.GetValue<string>());
        Assert.Equal(disabled["disabled_at"]!.GetValue<DateTimeOffset>().ToUnixTimeSeconds(), data["disabled_at"]!.GetValue<DateTimeOffset>().ToUnixTimeSeconds());

        // The 410 was not retried: one attempt, failed. The disabled endpoint, the trades-only one and another user's hear nothing of it.
        var delivery = app.Receiver.Received(gone.Url)[0].Header("X-Delivery-ID");
        var detail = await user.WaitForDeliveryAsync(gone.Id, delivery, d => d["delivery"]!["status"]!.GetValue<string>() == "failed");
        Assert.Equal(1, detail["delivery"]!["attempts"]!.GetValue<int>());
        await app.Receiver.WaitForAsync(strangersWatcher.Url, 1);
        await Task.Delay(TimeSpan.FromSeconds(2.5), ct); // past the first retry's wait
        Assert.Single(app.Receiver.Received(gone.Url));
        Assert.Equal([eventId], app.Receiver.Received(tradesOnly.Url).Select(r => Signatures.Parse(r)["id"]!.GetValue<string>()));
        Assert.Equal([eventId], app.Receiver.Received(strangersWatcher.Url).Select(r => Signatures.Parse(r)["id"]!.GetValue<string>()));
        Assert.Single(app.Receiver.Received(watcher.Url));
    }

    [Fact]
    public async Task AnEndpointDisabledByItsFailureStreakIsAnnouncedToo()
    {
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var failing = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(_ => (500, TimeSpan.Zero)), "trade.new");
        var watcher = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(), "webhook.disabled");

        // Three failed deliveries (3 attempts each, over 3 s), the last two 2.2 s after the first: past the test app's
        // rule of 3 in a row spanning 2 s.
        await app.IngestAsync(Trades.Event(wallet));
        await Task.Delay(TimeSpan.FromSeconds(2.2), TestContext.Current.CancellationToken);
        await app.IngestAsync(Trades.Event(wallet), Trades.Event(wallet));
        var notice = Signatures.Parse((await app.Receiver.WaitForAsync(watcher.Url, 1, TimeSpan.FromSeconds(30)))[0]);
        Assert.Equal(failing.Id, notice["data"]!["webhook_id"]!.GetValue<string>());
        Assert.Contains("consecutive failed deliveries", notice["data"]!["reason"]!.GetValue<string>());
        Assert.True(notice["data"]!["consecutive_failures"]!.GetValue<int>() >= PerpsAppFixture.DisableAfterFailures);
    }

    [Fact]
    public async Task HealthFiguresCountTheLastDayAndShowTheStreak()
    {
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var failing = false;
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(_ => (failing ? 503 : 200, TimeSpan.Zero)), "trade.new");

        var fresh = (await user.GetJsonAsync($"/api/webhooks/{webhook.Id}"))["health"]!;
        Assert.Equal(0, fresh["deliveries_24h"]!.GetValue<long>());
        Assert.Null(fresh["last_success_at"]);
        Assert.Null(fresh["last_failure_at"]);

        var ok = await app.IngestAsync(Trades.Event(wallet), Trades.Event(wallet));
        await app.WaitForFanOutAsync(ok);
        failing = true;
        await app.IngestAsync(Trades.Event(wallet));
        await user.WaitForFailedDeliveriesAsync(webhook.Id, 1);

        var health = (await user.GetJsonAsync($"/api/webhooks/{webhook.Id}"))["health"]!;
        Assert.Equal(3, health["deliveries_24h"]!.GetValue<long>());
        Assert.Equal(2, health["succeeded_24h"]!.GetValue<long>());
        Assert.Equal(1, health["failed_24h"]!.GetValue<long>());
        Assert.Equal(1, health["consecutive_failures"]!.GetValue<int>());
        Assert.NotNull(health["failing_since"]);
        var lastSuccess = health["last_success_at"]!.GetValue<DateTimeOffset>();
        var lastFailure = health["last_failure_at"]!.GetValue<DateTimeOffset>();
        Assert.True(lastFailure > lastSuccess, $"last failure {lastFailure} should be after last success {lastSuccess}");
    }
}
