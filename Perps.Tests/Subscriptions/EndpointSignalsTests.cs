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
        var disabled = await user.WaitForWebhookAsync(gone.Id, w => !w.IsActive);
        Assert.Contains("410 Gone", disabled.DisabledReason);
        Assert.NotNull(disabled.DisabledAt);

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
        Assert.Equal(disabled.DisabledReason, data["reason"]!.GetValue<string>());
        Assert.Equal(disabled.DisabledAt!.Value.ToUnixTimeSeconds(), data["disabled_at"]!.GetValue<DateTimeOffset>().ToUnixTimeSeconds());

        // The 410 was not retried: one attempt, failed. The disabled endpoint, the trades-only one and another user's hear nothing of it.
        var delivery = app.Receiver.Received(gone.Url)[0].Header("X-Delivery-ID");
        var detail = await user.WaitForDeliveryAsync(gone.Id, delivery, d => d.Delivery.Status == "failed");
        Assert.Equal(1, detail.Delivery.Attempts);
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

        var fresh = (await user.GetAsync<WebhookAnswer>($"/api/webhooks/{webhook.Id}")).Health!;
        Assert.Equal(0, fresh.Deliveries24h);
        Assert.Null(fresh.LastSuccessAt);
        Assert.Null(fresh.LastFailureAt);

        var ok = await app.IngestAsync(Trades.Event(wallet), Trades.Event(wallet));
        await app.WaitForFanOutAsync(ok);
        failing = true;
        await app.IngestAsync(Trades.Event(wallet));
        await user.WaitForFailedDeliveriesAsync(webhook.Id, 1);

        var health = (await user.GetAsync<WebhookAnswer>($"/api/webhooks/{webhook.Id}")).Health!;
        Assert.Equal(3, health.Deliveries24h);
        Assert.Equal(2, health.Succeeded24h);
        Assert.Equal(1, health.Failed24h);
        Assert.Equal(1, health.ConsecutiveFailures);
        Assert.NotNull(health.FailingSince);
        var lastSuccess = health.LastSuccessAt!.Value;
        var lastFailure = health.LastFailureAt!.Value;
        Assert.True(lastFailure > lastSuccess, $"last failure {lastFailure} should be after last success {lastSuccess}");
    }
}
