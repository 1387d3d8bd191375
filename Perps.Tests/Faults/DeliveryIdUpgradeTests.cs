using System.Text.Json.Nodes;
using Npgsql;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Faults;

/// <summary>
/// Ids sort by creation time, a delivery's id by its event's (migration 7). Deliveries of later events get later
/// ids; and an event that was awaiting fan-out across the change, with a delivery already recorded under the old form
/// of id, is not delivered again to that webhook when its fan-out finishes (here, through the sweep after
/// FanOutGrace, 3 s in this app).
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class DeliveryIdUpgradeTests(FaultAppFixture fixture) : IClassFixture<FaultAppFixture>
{
    [Fact]
    public async Task DeliveriesOfLaterEventsHaveLaterIds()
    {
        using var user = await fixture.App.CreateUserAsync("time-ordered ids");
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(fixture.Receiver.NewEndpoint());

        await fixture.App.Distributed.IngestAsync(Trades.Event(wallet));
        await fixture.Receiver.WaitForAsync(webhook.Url, 1);
        await Task.Delay(TimeSpan.FromMilliseconds(5), TestContext.Current.CancellationToken); // a later millisecond
        await fixture.App.Distributed.IngestAsync(Trades.Event(wallet));
        var received = await fixture.Receiver.WaitForAsync(webhook.Url, 2);

        var ids = received.Select(r => r.Header("X-Delivery-ID")).ToList();
        Assert.All(ids, id => Assert.Matches("^dlv_[0-9a-f]{32}$", id));
        Assert.True(string.CompareOrdinal(ids[0], ids[1]) < 0, $"the later event's delivery id {ids[1]} sorts before the earlier one's {ids[0]}");
    }

    [Fact]
    public async Task AnEventAwaitingFanOutAcrossTheChangeIsNotDeliveredAgainWhereItWasRecorded()
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await fixture.App.CreateUserAsync("upgraded mid fan-out");
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var recorded = await user.CreateWebhookAsync(fixture.Receiver.NewEndpoint());
        var owed = await user.CreateWebhookAsync(fixture.Receiver.NewEndpoint());

        // As the build before left it (and migrations made it): the event stored and awaiting fan-out, a batch of its
        // own (its stream entry gone), its delivery to the first webhook recorded under the old form of id, none yet
        // to the second.
        var eventId = $"evt_upgrade_{Guid.NewGuid():N}";
        var body = new JsonObject { ["id"] = eventId, ["type"] = "trade.new", ["created_at"] = 1736937000, ["data"] = new JsonObject { ["owner"] = wallet } };
        await using (var batch = fixture.App.Database.CreateBatch())
        {
            batch.BatchCommands.Add(Command("""
                INSERT INTO events (id, type, owner, body, market, side, size_usd, leverage)
                VALUES ($1, 'trade.new', $2, $3, 'SOL-PERP', 'long', 15000.5, 5.2)
                """, eventId, wallet, body.ToJsonString()));
            batch.BatchCommands.Add(Command("""
                INSERT INTO fan_out_awaiting (batch_id, event_ids, last_seen_at, legacy_delivery_ids) VALUES ($1, ARRAY[$1], now() - interval '1 minute', true)
                """, eventId));
            batch.BatchCommands.Add(Command("""
                INSERT INTO deliveries (id, event_id, webhook_id, status, attempts, last_status_code, last_attempt_at)
                VALUES ('dlv_' || left(encode(sha256(convert_to($1 || '/' || $2, 'UTF8')), 'hex'), 24), $1, $2, 'succeeded', 1, 200, now())
                """, eventId, recorded.Id));
            await batch.ExecuteNonQueryAsync(ct);
        }

        await fixture.Receiver.WaitForAsync(owed.Url, 1, TimeSpan.FromSeconds(30));
        await Quiet.WaitAsync(ct);

        Assert.Empty(fixture.Receiver.Received(recorded.Url));
        // Both replicas' sweeps find the event; one takes it up, so its first attempt goes out once.
        var sent = Assert.Single(fixture.Receiver.Received(owed.Url));
        Assert.Matches("^dlv_[0-9a-f]{24}$", sent.Header("X-Delivery-ID"));
        Assert.Equal(2, await fixture.App.CountAsync($"SELECT count(*) FROM deliveries WHERE event_id = '{eventId}'"));
        Assert.Equal(0, await fixture.App.CountAsync($"SELECT count(*) FROM fan_out_awaiting WHERE batch_id = '{eventId}'"));
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new() { Value = value });
        }
        return command;
    }
}
