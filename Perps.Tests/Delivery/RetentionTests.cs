using System.Net;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Delivery;

/// <summary>
/// Deliveries, their attempts and events older than Retention:Age (30 days) are removed by the dispatchers; younger
/// ones stay. The shared app looks every second (Retention:Interval).
/// </summary>
public sealed class RetentionTests(PerpsAppFixture app)
{
    [Fact]
    public async Task DeliveriesAttemptsAndEventsOlderThanThirtyDaysAreRemovedAndYoungerOnesKept()
    {
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());
        var ids = await app.IngestAsync(Trades.Event(wallet), Trades.Event(wallet));
        var received = await app.Receiver.WaitForAsync(webhook.Url, 2);
        var deliveryOf = received.ToDictionary(r => r.Header("X-Delivery-ID"), r => System.Text.Json.Nodes.JsonNode.Parse(r.BodyText)!["id"]!.GetValue<string>());
        var (old, young) = (deliveryOf.Single(d => d.Value == ids[0]).Key, deliveryOf.Single(d => d.Value == ids[1]).Key);
        foreach (var id in new[] { old, young })
        {
            await user.WaitForDeliveryAsync(webhook.Id, id, d => d.Delivery.Status == "succeeded");
        }

        // As if stored 31 days ago, both at once (the dispatchers look every second): older clock times, and the
        // event a position from back then.
        await app.CountAsync("""
            WITH d AS (UPDATE deliveries SET created_at = created_at - interval '31 days' WHERE id = $2 RETURNING id),
                 e AS (UPDATE events SET created_at = created_at - interval '31 days', accepted_xid = 1 WHERE id = $1 RETURNING id)
            SELECT (SELECT count(*) FROM d) + (SELECT count(*) FROM e)
            """, ids[0], old);

        await Poll.UntilAsync(async () => await app.CountAsync("""
                SELECT (SELECT count(*) FROM events WHERE id = $1) + (SELECT count(*) FROM deliveries WHERE id = $2)
                """, ids[0], old), count => count == 0,
            TimeSpan.FromSeconds(15), count => $"{count} of the aged event and delivery still stored");
        using var oldDelivery = await user.Http.GetAsync($"/api/webhooks/{webhook.Id}/deliveries/{old}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, oldDelivery.StatusCode);
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM delivery_attempts WHERE delivery_id = $1", old));

        var kept = await user.GetAsync<DeliveryAnswer>($"/api/webhooks/{webhook.Id}/deliveries/{young}");
        Assert.Equal("succeeded", kept.Delivery.Status);
        Assert.Single(kept.Attempts);
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM events WHERE id = $1", ids[1]));
    }
}
