using Perps.Tests.Infrastructure;

namespace Perps.Tests.Faults;

/// <summary>
/// Batches of events whose stream entry Redis lost are found by every dispatcher replica's sweep (each every half
/// FanOutGrace, 1.5 s in this app). One replica takes each batch up; the others leave it, even while its first
/// attempts are still at a slow receiver and nothing is recorded yet.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class StrandedEventSweepTests(FaultAppFixture fixture) : IClassFixture<FaultAppFixture>
{
    private const int Events = 8;

    [Fact]
    public async Task EachStrandedEventIsSentOnceThoughEveryReplicaSweepsForIt()
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await fixture.App.CreateUserAsync("stranded sweep");
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        // Each first attempt waits 2.5 s at the receiver: long enough for the other replica's sweep to come round.
        var webhook = await user.CreateWebhookAsync(fixture.Receiver.NewEndpoint(_ => (200, TimeSpan.FromSeconds(2.5))));

        // Stored and awaiting fan-out, two events a batch, with no stream entry; each batch falls past FanOutGrace
        // 0.4 s after the one before, so different sweeps (of either replica) find them.
        var prefix = $"evt_stranded_{Guid.NewGuid():N}_";
        await using (var command = fixture.App.Database.CreateCommand("""
            WITH stranded AS (
                INSERT INTO events (id, type, owner, body, market, side, size_usd, leverage)
                SELECT $1 || i, 'trade.new', $2,
                       json_build_object('id', $1 || i, 'type', 'trade.new', 'created_at', 1736937000, 'data', json_build_object('owner', $2))::text,
                       'SOL-PERP', 'long', 15000.5, 5.2
                FROM generate_series(1, $3) AS i
                RETURNING id)
            INSERT INTO fan_out_awaiting (batch_id, event_ids, last_seen_at)
            SELECT $1 || 'batch' || n.batch, array_agg(id), now() - interval '3 seconds' + n.batch * interval '400 milliseconds'
            FROM stranded CROSS JOIN LATERAL (SELECT (substring(id FROM length($1) + 1)::int + 1) / 2 AS batch) n
            GROUP BY n.batch
            """))
        {
            command.Parameters.Add(new() { Value = prefix });
            command.Parameters.Add(new() { Value = wallet });
            command.Parameters.Add(new() { Value = Events });
            await command.ExecuteNonQueryAsync(ct);
        }

        await fixture.Receiver.WaitForAsync(webhook.Url, Events, TimeSpan.FromSeconds(30));
        await Poll.UntilAsync(() => fixture.App.CountAsync($"SELECT count(*) FROM fan_out_awaiting WHERE batch_id LIKE '{prefix}%'"),
            awaiting => awaiting == 0, TimeSpan.FromSeconds(30), awaiting => $"{awaiting} batches still awaiting fan-out");
        await Quiet.WaitAsync(ct);

        var sent = fixture.Receiver.Received(webhook.Url);
        var copies = sent.GroupBy(r => r.Header("X-Delivery-ID")).Where(g => g.Count() > 1).Select(g => $"{g.Key} ×{g.Count()}");
        Assert.True(sent.Count == Events, $"{sent.Count} requests for {Events} events; sent more than once: {string.Join(", ", copies)}");
        Assert.Equal(Events, await fixture.App.CountAsync($"SELECT count(*) FROM deliveries WHERE event_id LIKE '{prefix}%' AND status = 'succeeded'"));
    }
}
