using System.Net;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Delivery;

/// <summary>The retry policy, with the test app's schedule shrunk to 1 s and 2 s (documented: 30 s and 60 s).</summary>
public sealed class RetryTests(PerpsAppFixture app)
{
    [Fact]
    public async Task FailingEndpointIsRetriedOnScheduleWithTheSameDeliveryIdUntilItRecovers()
    {
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(n => (n < 3 ? 500 : 200, TimeSpan.Zero)));

        await app.IngestAsync(Trades.Event(wallet));

        var received = await app.Receiver.WaitForAsync(webhook.Url, 3);
        Assert.Equal(["1", "2", "3"], received.Select(r => r.Header("X-Delivery-Attempt")));
        Assert.Single(received.Select(r => r.Header("X-Delivery-ID")).Distinct());
        Assert.Single(received.Select(r => r.BodyText).Distinct());
        Assert.InRange(received[1].ReceivedAt - received[0].ReceivedAt, PerpsAppFixture.RetrySchedule[0] * 0.9, PerpsAppFixture.RetrySchedule[0] * 4);
        Assert.InRange(received[2].ReceivedAt - received[1].ReceivedAt, PerpsAppFixture.RetrySchedule[1] * 0.9, PerpsAppFixture.RetrySchedule[1] * 3);

        var deliveryId = received[0].Header("X-Delivery-ID");
        var detail = await user.WaitForDeliveryAsync(webhook.Id, deliveryId, d => d.Delivery.Status != "pending");
        Assert.Equal("succeeded", detail.Delivery.Status);
        Assert.Equal(3, detail.Delivery.Attempts);
        Assert.Equal(200, detail.Delivery.LastStatusCode);
        var attempts = detail.Attempts;
        Assert.Equal([1, 2, 3], attempts.Select(a => a.Attempt));
        Assert.Equal([500, 500, 200], attempts.Select(a => a.StatusCode));
        Assert.Equal("receiver says no", attempts[0].ResponseBody);
        Assert.All(attempts, a => Assert.True(a.DurationMs >= 0));
    }

    [Fact]
    public async Task DeliveryFailsAfterTheThirdFailedAttempt()
    {
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(_ => (503, TimeSpan.Zero)));

        await app.IngestAsync(Trades.Event(wallet));

        var received = await app.Receiver.WaitForAsync(webhook.Url, 3);
        var detail = await user.WaitForDeliveryAsync(webhook.Id, received[0].Header("X-Delivery-ID"),
            d => d.Delivery.Status == "failed");
        Assert.Equal(3, detail.Delivery.Attempts);
        Assert.Null(detail.Delivery.NextAttemptAt);
        Assert.Equal(503, detail.Delivery.LastStatusCode);
        await Task.Delay(PerpsAppFixture.RetrySchedule[1] * 1.5, TestContext.Current.CancellationToken);
        Assert.Equal(3, app.Receiver.Received(webhook.Url).Count);
    }

    [Fact]
    public async Task EndpointThatDoesNotAnswerWithinTenSecondsIsAFailedAttempt()
    {
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(n => n == 1 ? (200, TimeSpan.FromSeconds(15)) : (200, TimeSpan.Zero)));

        await app.IngestAsync(Trades.Event(wallet));

        var received = await app.Receiver.WaitForAsync(webhook.Url, 2, TimeSpan.FromSeconds(30));
        Assert.Equal(received[0].Header("X-Delivery-ID"), received[1].Header("X-Delivery-ID"));
        Assert.InRange(received[1].ReceivedAt - received[0].ReceivedAt, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(16));
        var detail = await user.WaitForDeliveryAsync(webhook.Id, received[0].Header("X-Delivery-ID"),
            d => d.Delivery.Status == "succeeded");
        var first = detail.Attempts[0];
        Assert.Null(first.StatusCode);
        Assert.Contains("timeout", first.Error);
        Assert.InRange(first.DurationMs, 9_900, 12_000);
    }

    [Fact]
    public async Task ConnectionRefusedIsRecordedAsAFailedAttemptWithItsError()
    {
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync("http://127.0.0.1:9/nothing-listens-here");

        await app.IngestAsync(Trades.Event(wallet));

        var deliveries = await WaitForFirstDeliveryAsync(user, webhook.Id);
        var detail = await user.WaitForDeliveryAsync(webhook.Id, deliveries, d => d.Attempts.Count >= 1);
        Assert.Null(detail.Attempts[0].StatusCode);
        Assert.False(string.IsNullOrEmpty(detail.Attempts[0].Error));
    }

    private static async Task<string> WaitForFirstDeliveryAsync(UserClient user, string webhookId)
    {
        var list = await Poll.UntilAsync(() => user.GetAsync<DeliveryListAnswer>($"/api/webhooks/{webhookId}/deliveries"),
            list => list.Deliveries.Count > 0, TimeSpan.FromSeconds(20), _ => "no delivery appeared");
        return list.Deliveries[0].Id;
    }
}
