using System.Net;
using System.Net.Http.Json;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Delivery;

/// <summary>Test, history, redeliver and recover, as a user drives them over the API.</summary>
public sealed class DeliveryApiTests(PerpsAppFixture app)
{
    [Fact]
    public async Task TestSendsASignedSampleEventNowAndReportsTheOutcome()
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await app.CreateUserAsync();
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(), "trade.new", "trade.close");

        var response = await user.Http.PostAsync($"/api/webhooks/{webhook.Id}/test", null, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var test = (await response.ReadAnswerAsync<TestSendAnswer>()).Test;
        Assert.True(test.Succeeded);
        Assert.Equal(200, test.StatusCode);
        var request = Assert.Single(app.Receiver.Received(webhook.Url));
        Assert.Equal("trade.new", request.Header("X-Event-Type"));
        Assert.Equal(test.DeliveryId, request.Header("X-Delivery-ID"));
        Assert.True(Signatures.VerifiesRaw(request, webhook.Secret));
        Assert.True(Signatures.VerifiesStandard(request, webhook.Secret));

        var close = await user.Http.PostAsJsonAsync($"/api/webhooks/{webhook.Id}/test", new { type = "trade.close" }, ct);
        Assert.Equal(HttpStatusCode.OK, close.StatusCode);
        Assert.Equal("trade.close", app.Receiver.Received(webhook.Url)[^1].Header("X-Event-Type"));

        var history = await user.GetAsync<DeliveryListAnswer>($"/api/webhooks/{webhook.Id}/deliveries");
        Assert.Equal(2, history.Deliveries.Count);
        Assert.All(history.Deliveries, d => Assert.Equal("succeeded", d.Status));
    }

    [Fact]
    public async Task TestOfAnEventTypeTheWebhookDoesNotSubscribeToIsRejected()
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await app.CreateUserAsync();
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(), "trade.new");

        var response = await user.Http.PostAsJsonAsync($"/api/webhooks/{webhook.Id}/test", new { type = "trade.liquidation" }, ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Empty(app.Receiver.Received(webhook.Url));
    }

    [Fact]
    public async Task TestOfAFailingEndpointReportsItsStatusAndBody()
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await app.CreateUserAsync();
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(_ => (418, TimeSpan.Zero)));

        var response = await user.Http.PostAsync($"/api/webhooks/{webhook.Id}/test", null, ct);

        var test = (await response.ReadAnswerAsync<TestSendAnswer>()).Test;
        Assert.False(test.Succeeded);
        Assert.Equal(418, test.StatusCode);
        Assert.Equal("receiver says no", test.ResponseBody);
    }

    [Fact]
    public async Task RedirectIsNotFollowedAndCountsAsAFailedAttempt()
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await app.CreateUserAsync();
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(_ => (307, TimeSpan.Zero)));

        var response = await user.Http.PostAsync($"/api/webhooks/{webhook.Id}/test", null, ct);

        var test = (await response.ReadAnswerAsync<TestSendAnswer>()).Test;
        Assert.False(test.Succeeded);
        Assert.Equal(307, test.StatusCode);
        Assert.Single(app.Receiver.Received(webhook.Url));
        Assert.Empty(app.Receiver.Received($"{webhook.Url}/followed"));
    }

    [Fact]
    public async Task RedeliverSendsAFinishedDeliveryAgainWithItsIdAndTheNextAttemptNumber()
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());
        await app.IngestAsync(Trades.Event(wallet));
        var first = (await app.Receiver.WaitForAsync(webhook.Url, 1))[0];
        var deliveryId = first.Header("X-Delivery-ID");
        await user.WaitForDeliveryAsync(webhook.Id, deliveryId, d => d.Delivery.Status == "succeeded");

        var response = await user.Http.PostAsync($"/api/webhooks/{webhook.Id}/deliveries/{deliveryId}/redeliver", null, ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var again = (await app.Receiver.WaitForAsync(webhook.Url, 2))[1];
        Assert.Equal(deliveryId, again.Header("X-Delivery-ID"));
        Assert.Equal("2", again.Header("X-Delivery-Attempt"));
        Assert.Equal(first.BodyText, again.BodyText);
        var detail = await user.WaitForDeliveryAsync(webhook.Id, deliveryId,
            d => d.Attempts.Count == 2 && d.Delivery.Status == "succeeded");
        Assert.Equal(2, detail.Delivery.Attempts);
    }

    [Fact]
    public async Task RecoverRequeuesEveryFailedDeliverySinceTheGivenTime()
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var healthy = false;
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(_ => (healthy ? 200 : 500, TimeSpan.Zero)));
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        var eventIds = await app.IngestAsync(Trades.Event(wallet), Trades.Event(wallet, "trade.close"));
        await app.Receiver.WaitForAsync(webhook.Url, 6);
        foreach (var request in app.Receiver.Received(webhook.Url).DistinctBy(r => r.Header("X-Delivery-ID")))
        {
            await user.WaitForDeliveryAsync(webhook.Id, request.Header("X-Delivery-ID"), d => d.Delivery.Status == "failed");
        }
        healthy = true;

        var response = await user.Http.PostAsJsonAsync($"/api/webhooks/{webhook.Id}/recover", new { since }, ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(2, (await response.ReadAnswerAsync<RecoverAnswer>()).Requeued);
        var received = await app.Receiver.WaitForAsync(webhook.Url, 8);
        var recovered = received.Skip(6).ToList();
        Assert.Equal(eventIds.Order(), recovered.Select(r => Signatures.Parse(r)["id"]!.GetValue<string>()).Order());
        Assert.All(recovered, r => Assert.Equal("4", r.Header("X-Delivery-Attempt")));
    }

    [Fact]
    public async Task DeliveryHistoryPagesNewestFirstWithACursor()
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());
        await app.IngestAsync(Trades.Event(wallet), Trades.Event(wallet), Trades.Event(wallet));
        await user.WaitForRecordedDeliveriesAsync(webhook.Id, 3);

        var first = await user.GetJsonAsync($"/api/webhooks/{webhook.Id}/deliveries?limit=2");
        var cursor = first["next_cursor"]!.GetValue<string>();
        var second = await user.GetJsonAsync($"/api/webhooks/{webhook.Id}/deliveries?limit=2&cursor={Uri.EscapeDataString(cursor)}");

        var page1 = first["deliveries"]!.AsArray();
        var page2 = second["deliveries"]!.AsArray();
        Assert.Equal(2, page1.Count);
        Assert.Single(page2);
        Assert.Null(second["next_cursor"]);
        var all = page1.Concat(page2).ToList();
        Assert.Equal(3, all.Select(d => d!["id"]!.GetValue<string>()).Distinct().Count());
        var created = all.Select(d => d!["created_at"]!.GetValue<DateTimeOffset>()).ToList();
        Assert.Equal(created.OrderDescending(), created);
        var one = all[0]!;
        foreach (var field in new[] { "id", "event_id", "event_type", "status", "attempts", "last_status_code", "last_error", "created_at", "last_attempt_at", "next_attempt_at" })
        {
            Assert.True(one.AsObject().ContainsKey(field), $"delivery has {field}");
        }

        foreach (var bad in new[] { "limit=0", "limit=101", "limit=abc", "cursor=not-a-cursor" })
        {
            var response = await user.Http.GetAsync($"/api/webhooks/{webhook.Id}/deliveries?{bad}", ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
    }

    [Fact]
    public async Task AnotherUsersDeliveriesCannotBeSeenTestedRedeliveredOrRecovered()
    {
        var ct = TestContext.Current.CancellationToken;
        using var owner = await app.CreateUserAsync();
        using var stranger = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await owner.WatchAsync(wallet);
        var webhook = await owner.CreateWebhookAsync(app.Receiver.NewEndpoint());
        await app.IngestAsync(Trades.Event(wallet));
        var deliveryId = (await app.Receiver.WaitForAsync(webhook.Url, 1))[0].Header("X-Delivery-ID");
        await owner.WaitForDeliveryAsync(webhook.Id, deliveryId, d => d.Delivery.Status == "succeeded");

        var attempts = new[]
        {
            await stranger.Http.GetAsync($"/api/webhooks/{webhook.Id}/deliveries", ct),
            await stranger.Http.GetAsync($"/api/webhooks/{webhook.Id}/deliveries/{deliveryId}", ct),
            await stranger.Http.PostAsync($"/api/webhooks/{webhook.Id}/test", null, ct),
            await stranger.Http.PostAsync($"/api/webhooks/{webhook.Id}/deliveries/{deliveryId}/redeliver", null, ct),
            await stranger.Http.PostAsJsonAsync($"/api/webhooks/{webhook.Id}/recover", new { since = DateTimeOffset.UtcNow.AddDays(-1) }, ct),
        };

        Assert.All(attempts, r => Assert.Equal(HttpStatusCode.NotFound, r.StatusCode));
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        Assert.Single(app.Receiver.Received(webhook.Url));
    }
}
