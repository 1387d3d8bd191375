using Microsoft.Extensions.Options;
using Npgsql;
using Perps.Tests.Infrastructure;
using Perps.Webhooks.Delivery;
using Perps.Webhooks.Lifecycle;

namespace Perps.Tests.Delivery;

/// <summary>
/// A delivery's state only moves forward: a result that arrives late (from a replica whose lease was taken over)
/// never overwrites a newer one, and a delivery whose attempts all went unrecorded is given up, not sent for ever.
/// These tests write to Postgres as a dispatcher replica would, next to the running app's own dispatchers.
/// </summary>
public sealed class ResultIntegrityTests(PerpsAppFixture app)
{
    [Fact]
    public async Task LateResultOfAnEarlierAttemptLeavesSucceededDeliveryAlone()
    {
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(n => (n == 1 ? 500 : 200, TimeSpan.Zero)));
        await app.IngestAsync(Trades.Event(wallet));
        var deliveryId = (await app.Receiver.WaitForAsync(webhook.Url, 1))[0].Header("X-Delivery-ID");
        await user.WaitForDeliveryAsync(webhook.Id, deliveryId, d => d.Delivery.Status == "succeeded");

        // Attempt 1's result again, as a replica that lost its lease would report it: "failed, retry in a minute".
        await using var database = await app.OpenDatabaseAsync();
        var recorder = new DeliveryRecorder(database, Options.Create(new DeliveryOptions()));
        var stale = new AttemptOutcome(DateTimeOffset.UtcNow, 503, TimeSpan.FromMilliseconds(5), "HTTP 503", "late", null);
        await recorder.RecordAsync([new AttemptRecord(deliveryId, webhook.Id, 1, stale, DeliveryStatus.Pending, TimeSpan.FromMinutes(1))],
            TestContext.Current.CancellationToken);
        await recorder.RecordAsync([new AttemptRecord(deliveryId, webhook.Id, 1, stale, DeliveryStatus.Failed, null)],
            TestContext.Current.CancellationToken);

        var detail = await user.GetAsync<DeliveryAnswer>($"/api/webhooks/{webhook.Id}/deliveries/{deliveryId}");
        Assert.Equal("succeeded", detail.Delivery.Status);
        Assert.Equal(2, detail.Delivery.Attempts);
        Assert.Equal(200, detail.Delivery.LastStatusCode);
        Assert.Null(detail.Delivery.NextAttemptAt);
        Assert.Equal([500, 200], detail.Attempts.Select(a => a.StatusCode));
    }

    [Fact]
    public async Task DeliveryWhoseAttemptsWereAllUsedUpWithoutAResultIsGivenUpNotSentAgain()
    {
        using var user = await app.CreateUserAsync();
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());
        var deliveryId = $"dlv_stuck{Guid.NewGuid():N}";

        // As a replica that claimed the last attempt of the round, one more after its lease ran out, and then died.
        await using var database = await app.OpenDatabaseAsync();
        await using (var command = database.CreateCommand("""
            WITH event AS (INSERT INTO events (id, type, owner, body) VALUES ($1, 'trade.new', 'nobody', '{}'))
            INSERT INTO deliveries (id, event_id, webhook_id, status, attempts, round_start, last_attempt_at, next_attempt_at)
            VALUES ($2, $1, $3, 'pending', $4, 0, now() - interval '1 minute', now() - interval '1 second')
            """))
        {
            command.Parameters.Add(new() { Value = $"evt_stuck{Guid.NewGuid():N}" });
            command.Parameters.Add(new() { Value = deliveryId });
            command.Parameters.Add(new() { Value = webhook.Id });
            command.Parameters.Add(new() { Value = PerpsAppFixture.RetrySchedule.Length + 2 });
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var detail = await user.WaitForDeliveryAsync(webhook.Id, deliveryId,
            d => d.Delivery.Status == "failed", TimeSpan.FromSeconds(10));
        Assert.StartsWith("gave up", detail.Delivery.LastError);
        Assert.Empty(app.Receiver.Received(webhook.Url));
    }
}
