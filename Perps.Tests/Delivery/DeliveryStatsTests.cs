using System.Net;
using System.Text.Json.Nodes;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Delivery;

/// <summary>
/// What the portal reads besides the history: <c>GET /api/webhooks/{id}/stats</c>, the history's status and event
/// type filters, and the payload in a delivery's detail.
/// </summary>
public sealed class DeliveryStatsTests(PerpsAppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StatsCountTheLastDaysDeliveriesByOutcomePerMinuteWithAttemptDurations()
    {
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var attemptsPerRound = PerpsAppFixture.RetrySchedule.Length + 1;
        // The first delivery fails all its attempts; the next two succeed.
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(n => (n <= attemptsPerRound ? 500 : 200, TimeSpan.Zero)));
        await app.IngestAsync(Trades.Event(wallet));
        await user.WaitForFailedDeliveriesAsync(webhook.Id, 1);
        await app.IngestAsync(Trades.Event(wallet, "trade.close"), Trades.Event(wallet, "trade.liquidation"));
        await Poll.UntilAsync(() => user.GetAsync<DeliveryListAnswer>($"/api/webhooks/{webhook.Id}/deliveries?status=succeeded"),
            list => list.Deliveries.Count == 2, TimeSpan.FromSeconds(20), _ => "two succeeded deliveries");

        var stats = (await user.GetAsync<StatsAnswer>($"/api/webhooks/{webhook.Id}/stats")).Stats;

        var day = stats.Last24Hours;
        Assert.Equal(3, day.Deliveries);
        Assert.Equal(2, day.Succeeded);
        Assert.Equal(1, day.Failed);
        Assert.Equal(2.0 / 3, day.SuccessRate!.Value, 6);
        Assert.InRange(day.LastDeliveryAt!.Value, DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow.AddMinutes(1));
        var minutes = stats.LastHour;
        Assert.Equal(60, minutes.Count);
        Assert.Equal(2, minutes.Sum(m => m.Succeeded));
        Assert.Equal(1, minutes.Sum(m => m.Failed));
        Assert.True(minutes[^1].Minute > DateTimeOffset.UtcNow.AddMinutes(-2));
        var attempts = stats.LastHourAttempts;
        Assert.Equal(attemptsPerRound + 2, attempts.Attempts);
        Assert.InRange(attempts.P50Ms!.Value, 0, attempts.P99Ms!.Value);
    }

    [Fact]
    public async Task StatsOfAnotherKeysWebhookAreNotFound()
    {
        using var owner = await app.CreateUserAsync();
        using var other = await app.CreateUserAsync();
        var webhook = await owner.CreateWebhookAsync(app.Receiver.NewEndpoint());

        using var response = await other.Http.GetAsync($"/api/webhooks/{webhook.Id}/stats", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task StatsOfAQuietWebhookAreZerosWithNoRate()
    {
        using var user = await app.CreateUserAsync();
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());

        var stats = (await user.GetJsonAsync($"/api/webhooks/{webhook.Id}/stats"))["stats"]!;

        Assert.Equal(0, stats["last_24_hours"]!["deliveries"]!.GetValue<int>());
        Assert.Null(stats["last_24_hours"]!["success_rate"]);
        Assert.Null(stats["last_24_hours"]!["last_delivery_at"]);
        Assert.Equal(60, stats["last_hour"]!.AsArray().Count);
        Assert.Null(stats["last_hour_attempts"]!["p99_ms"]);
    }

    [Fact]
    public async Task DeliveryListFiltersByStatusAndEventTypeAndDetailCarriesTheExactPayload()
    {
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());
        var ids = await app.IngestAsync(Trades.Event(wallet), Trades.Event(wallet, "trade.close"));
        await user.WaitForRecordedDeliveriesAsync(webhook.Id, 2);

        var closes = (await user.GetJsonAsync($"/api/webhooks/{webhook.Id}/deliveries?event_type=trade.close"))["deliveries"]!.AsArray();
        var failed = (await user.GetJsonAsync($"/api/webhooks/{webhook.Id}/deliveries?status=failed"))["deliveries"]!.AsArray();
        using var badStatus = await user.Http.GetAsync($"/api/webhooks/{webhook.Id}/deliveries?status=lost", Ct);
        using var badType = await user.Http.GetAsync($"/api/webhooks/{webhook.Id}/deliveries?event_type=trade.open", Ct);

        var close = Assert.Single(closes);
        Assert.Equal(ids[1], close!["event_id"]!.GetValue<string>());
        Assert.Empty(failed);
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badType.StatusCode);

        var detail = await user.GetJsonAsync($"/api/webhooks/{webhook.Id}/deliveries/{close["id"]!.GetValue<string>()}");
        var received = app.Receiver.Received(webhook.Url).Single(r => r.Header("X-Event-Type") == "trade.close");
        Assert.Equal(received.BodyText, detail["payload"]!.GetValue<string>());
    }
}
