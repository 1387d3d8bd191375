using System.Text.Json.Nodes;
using Perps.Tests.Infrastructure;
using static Perps.Tests.Subscriptions.SubscriptionSetup;

namespace Perps.Tests.Subscriptions;

/// <summary>
/// Per-endpoint throttling: a rate-limited endpoint gets at most its rate, across both dispatcher replicas of the
/// shared app, without a delivery failing; a 429 with Retry-After holds the whole endpoint, not one delivery.
/// </summary>
public sealed class ThrottlingTests(PerpsAppFixture app)
{
    [Fact]
    public async Task ABurstOfFiftyTradesReachesAReceiverAllowingFivePerTwoSecondsWithoutA429OrAFailure()
    {
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var discord = new SlidingWindowReceiver(limit: 5, window: TimeSpan.FromSeconds(2));
        var (webhook, shown) = await user.CreateWebhookAsync(new JsonObject
        {
            ["url"] = app.Receiver.NewEndpoint(_ => (discord.Answer(), TimeSpan.Zero)),
            ["events"] = Array("trade.new"),
            ["rate_limit"] = 2,
        });
        Assert.Equal(2, shown.RateLimit);

        // Ten requests of five: their stream entries are read by both replicas.
        var ids = new List<string>();
        await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            var batch = await app.IngestAsync(Enumerable.Range(0, 5).Select(_ => (JsonNode)Trades.Event(wallet)).ToArray());
            lock (ids)
            {
                ids.AddRange(batch);
            }
        }));

        var received = await app.Receiver.WaitForAsync(webhook.Url, 50, TimeSpan.FromSeconds(60));
        Assert.Equal(0, discord.Refused);
        Assert.Equal(ids.Order(), received.Select(r => Signatures.Parse(r)["id"]!.GetValue<string>()).Order());
        var span = received[^1].ReceivedAt - received[0].ReceivedAt;
        Assert.True(span >= TimeSpan.FromSeconds(49 / 2.0 - 1), $"50 deliveries at 2/s took only {span}");

        // The receiver has them all; their outcomes are recorded a moment later (Delivery:RecordGather).
        await user.WaitForDeliveriesAsync(webhook.Id, "succeeded", 50);
        var deliveries = (await user.GetAsync<DeliveryListAnswer>($"/api/webhooks/{webhook.Id}/deliveries?limit=100")).Deliveries;
        Assert.Equal(50, deliveries.Count);
        Assert.All(deliveries, d => Assert.Equal(1, d.Attempts));
        var health = (await user.GetAsync<WebhookAnswer>($"/api/webhooks/{webhook.Id}")).Health!;
        Assert.Equal(0, health.ConsecutiveFailures);
        Assert.Equal(50, health.Succeeded24h);
    }

    [Fact]
    public async Task A429WithRetryAfterHoldsEveryDeliveryToThatEndpointUntilItEnds()
    {
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(n => (n == 1 ? 429 : 200, TimeSpan.Zero), retryAfterSeconds: 3), "trade.new");

        var first = (await app.IngestAsync(Trades.Event(wallet)))[0];
        var refused = (await app.Receiver.WaitForAsync(webhook.Url, 1))[0];
        var firstDelivery = refused.Header("X-Delivery-ID");
        await user.WaitForDeliveryAsync(webhook.Id, firstDelivery, d => d.Delivery.Attempts == 1);

        var second = (await app.IngestAsync(Trades.Event(wallet)))[0];
        var all = await app.Receiver.WaitForAsync(webhook.Url, 3, TimeSpan.FromSeconds(15));
        var secondArrival = all.First(r => Signatures.Parse(r)["id"]!.GetValue<string>() == second);
        Assert.True(secondArrival.ReceivedAt - refused.ReceivedAt >= TimeSpan.FromSeconds(2.5),
            $"the second trade arrived {secondArrival.ReceivedAt - refused.ReceivedAt} after the 429 asked for 3 s");
        Assert.Contains(all, r => Signatures.Parse(r)["id"]!.GetValue<string>() == first && r != refused);
    }

    [Fact]
    public async Task ADeliveryEndingOnA429WithRetryAfterDoesNotCountTowardDisablingTheEndpoint()
    {
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(_ => (429, TimeSpan.Zero), retryAfterSeconds: 1), "trade.new");

        await app.IngestAsync(Trades.Event(wallet));
        await user.WaitForFailedDeliveriesAsync(webhook.Id, 1);

        Assert.Equal(3, app.Receiver.Received(webhook.Url).Count);
        var health = (await user.GetAsync<WebhookAnswer>($"/api/webhooks/{webhook.Id}")).Health!;
        Assert.Equal(1, health.Failed24h);
        Assert.Equal(0, health.ConsecutiveFailures);
        Assert.True((await user.GetAsync<WebhookAnswer>($"/api/webhooks/{webhook.Id}")).Webhook.IsActive);
    }

    /// <summary>A receiver that answers 429 when it has accepted <c>limit</c> requests in the last <c>window</c>, as Discord's webhooks do.</summary>
    private sealed class SlidingWindowReceiver(int limit, TimeSpan window)
    {
        private readonly Queue<DateTimeOffset> _accepted = new();
        private readonly Lock _lock = new();

        public int Refused { get; private set; }

        public int Answer()
        {
            lock (_lock)
            {
                var now = DateTimeOffset.UtcNow;
                while (_accepted.Count > 0 && now - _accepted.Peek() >= window)
                {
                    _accepted.Dequeue();
                }
                if (_accepted.Count >= limit)
                {
                    Refused++;
                    return 429;
                }
                _accepted.Enqueue(now);
                return 200;
            }
        }
    }
}
