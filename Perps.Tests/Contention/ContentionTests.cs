using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Contention;

/// <summary>
/// More work than send slots (see <see cref="ContendedAppFixture"/>): one user's hanging endpoints must not delay
/// another user's deliveries, and a delivery that waits for a slot longer than its lease must still be sent once.
/// More ingest requests than the API works on at once: the one too many waits its turn briefly, then is refused.
/// </summary>
public sealed class ContentionTests(ContendedAppFixture fixture) : IClassFixture<ContendedAppFixture>
{
    private static readonly TimeSpan Hang = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task HangingEndpointsOfOneUserDoNotDelayAnotherUsersDeliveries()
    {
        var ct = TestContext.Current.CancellationToken;
        using var attacker = await fixture.App.CreateUserAsync("hangs every request");
        using var victim = await fixture.App.CreateUserAsync("healthy");
        var attackerWallet = Wallets.NewAddress();
        var victimWallet = Wallets.NewAddress();
        await attacker.WatchAsync(attackerWallet);
        await victim.WatchAsync(victimWallet);
        var hanging = new List<CreatedWebhook>();
        for (var i = 0; i < 6; i++)
        {
            hanging.Add(await attacker.CreateWebhookAsync(fixture.Receiver.NewEndpoint(_ => (200, Hang))));
        }
        var healthy = await victim.CreateWebhookAsync(fixture.Receiver.NewEndpoint());

        try
        {
            // 18 deliveries that each hold a slot until the timeout: more than the 8 slots of both replicas.
            var attackStarted = DateTimeOffset.UtcNow;
            await IngestAsync(Enumerable.Range(0, 3).Select(_ => Trades.Event(attackerWallet)).ToArray());
            await Task.Delay(TimeSpan.FromSeconds(0.5), ct);
            // Until the first timeouts, every attacker request that arrived is still held open: what arrived is what it holds.
            var attackerHolds = 0;
            void CountAttackerRequests()
            {
                if (DateTimeOffset.UtcNow - attackStarted < ContendedAppFixture.Timeout - TimeSpan.FromSeconds(0.5))
                {
                    attackerHolds = Math.Max(attackerHolds, hanging.Sum(h => fixture.Receiver.Received(h.Url).Count));
                }
            }
            CountAttackerRequests();

            var latencies = new List<TimeSpan>();
            for (var i = 0; i < 8; i++)
            {
                var ingestedAt = DateTimeOffset.UtcNow;
                await IngestAsync(Trades.Event(victimWallet));
                var received = await fixture.Receiver.WaitForAsync(healthy.Url, i + 1, TimeSpan.FromSeconds(10));
                latencies.Add(received[i].ReceivedAt - ingestedAt);
                CountAttackerRequests();
            }

            TestContext.Current.TestOutputHelper?.WriteLine(
                $"victim latency: max {latencies.Max().TotalMilliseconds:0} ms, median {latencies.Order().ElementAt(latencies.Count / 2).TotalMilliseconds:0} ms; " +
                $"attacker requests held open: {attackerHolds}");
            Assert.True(attackerHolds <= ContendedAppFixture.SlotsPerTenant * ContendedAppFixture.Replicas,
                $"the attacker held {attackerHolds} requests open at once, more than its share");
            Assert.True(latencies.Max() < TimeSpan.FromSeconds(1),
                $"the victim waited {latencies.Max().TotalMilliseconds:0} ms for a delivery (timeout {ContendedAppFixture.Timeout.TotalSeconds} s)");
        }
        finally
        {
            foreach (var webhook in hanging)
            {
                await attacker.Http.DeleteAsync($"/api/webhooks/{webhook.Id}", CancellationToken.None);
            }
        }
    }

    [Fact]
    public async Task BacklogLargerThanTheSlotsWithSlowEndpointsSendsEveryDeliveryOnce()
    {
        const int Users = 4;
        const int TradesPerUser = 20;
        var webhooks = new List<CreatedWebhook>();
        var trades = new List<JsonObject>();
        for (var u = 0; u < Users; u++)
        {
            using var user = await fixture.App.CreateUserAsync($"slow endpoint {u}");
            var wallet = Wallets.NewAddress();
            await user.WatchAsync(wallet);
            webhooks.Add(await user.CreateWebhookAsync(fixture.Receiver.NewEndpoint(_ => (200, TimeSpan.FromSeconds(1)))));
            trades.AddRange(Enumerable.Range(0, TradesPerUser).Select(_ => Trades.Event(wallet)));
        }

        // 80 deliveries of 1 s each over 8 slots: the last ones wait about 10 s, longer than the 8 s lease.
        await IngestAsync(trades.ToArray());
        var received = await Poll.UntilAsync(
            () => Task.FromResult(webhooks.SelectMany(w => fixture.Receiver.Acknowledged(w.Url)).ToList()),
            all => all.Select(r => r.Header("X-Delivery-ID")).Distinct().Count() >= Users * TradesPerUser,
            TimeSpan.FromSeconds(60), all => $"{all.Count} of {Users * TradesPerUser} deliveries arrived");
        await Task.Delay(ContendedAppFixture.Timeout, TestContext.Current.CancellationToken); // a duplicate would be in flight by now

        var sent = webhooks.SelectMany(w => fixture.Receiver.Received(w.Url)).GroupBy(r => r.Header("X-Delivery-ID")).ToList();
        var twice = sent.Where(g => g.Count() > 1).Select(g => $"{g.Key} x{g.Count()}").ToList();
        Assert.Equal(Users * TradesPerUser, received.Count);
        Assert.True(twice.Count == 0, $"sent more than once: {string.Join(", ", twice)}");
    }

    [Fact]
    public async Task IngestBeyondCapacityWaitsItsTurnThenIsRefusedWith503AndStoresNothingUntilRetried()
    {
        var ct = TestContext.Current.CancellationToken;
        var wallet = Wallets.NewAddress();
        using var ingest = fixture.App.CreateIngestClient();
        await using var connection = await fixture.App.Database.OpenConnectionAsync(ct);
        var (stall, held) = await FillIngestCapacityAsync(connection, ingest, wallet, ct);

        var refusedId = $"evt_capacity_refused_{Guid.NewGuid():N}";
        var waited = Stopwatch.StartNew();
        var refused = await ingest.PostAsJsonAsync("/api/trades", Trades.Event(wallet, id: refusedId), ct);
        waited.Stop();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.True(waited.Elapsed >= ContendedAppFixture.IngestQueueWait - TimeSpan.FromMilliseconds(50),
            $"refused after {waited.ElapsedMilliseconds} ms, before its {ContendedAppFixture.IngestQueueWait.TotalMilliseconds} ms in line");
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        var problem = await refused.Content.ReadFromJsonAsync<JsonObject>(ct);
        Assert.Equal(503, (int?)problem?["status"]);
        Assert.Contains("none of these events was stored", (string?)problem?["detail"]);
        Assert.False(held.Any(h => h.IsCompleted), "an ingest request held by the lock answered while the lock was held");

        await stall.RollbackAsync(ct);
        foreach (var response in await Task.WhenAll(held))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        Assert.Equal(0, await fixture.App.CountAsync($"SELECT count(*) FROM events WHERE id = '{refusedId}'"));
        // The feed retries as told, and the event is taken.
        Assert.Equal(HttpStatusCode.Accepted, (await ingest.PostAsJsonAsync("/api/trades", Trades.Event(wallet, id: refusedId), ct)).StatusCode);
        Assert.Equal(1, await fixture.App.CountAsync($"SELECT count(*) FROM events WHERE id = '{refusedId}'"));
    }

    [Fact]
    public async Task IngestBeyondCapacityDuringAPauseShorterThanTheQueueWaitIsAccepted()
    {
        var ct = TestContext.Current.CancellationToken;
        var wallet = Wallets.NewAddress();
        using var ingest = fixture.App.CreateIngestClient();
        await using var connection = await fixture.App.Database.OpenConnectionAsync(ct);
        var (stall, held) = await FillIngestCapacityAsync(connection, ingest, wallet, ct);

        var queuedId = $"evt_capacity_queued_{Guid.NewGuid():N}";
        var queued = ingest.PostAsJsonAsync("/api/trades", Trades.Event(wallet, id: queuedId), ct);
        await Task.Delay(ContendedAppFixture.IngestQueueWait / 4, ct);
        Assert.False(queued.IsCompleted, "the request beyond capacity was answered while every place was taken");

        await stall.RollbackAsync(ct); // the pause ends well inside the queue wait
        Assert.Equal(HttpStatusCode.Accepted, (await queued).StatusCode);
        foreach (var response in await Task.WhenAll(held))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        Assert.Equal(1, await fixture.App.CountAsync($"SELECT count(*) FROM events WHERE id = '{queuedId}'"));
    }

    /// <summary>
    /// Postgres stops taking events (reads go on), and as many ingest requests as the API works on at once wait at
    /// the insert. Rolling the returned transaction back lets them through.
    /// </summary>
    private async Task<(NpgsqlTransaction Stall, List<Task<HttpResponseMessage>> Held)> FillIngestCapacityAsync(
        NpgsqlConnection connection, HttpClient ingest, string wallet, CancellationToken ct)
    {
        var stall = await connection.BeginTransactionAsync(ct);
        await using (var lockEvents = new NpgsqlCommand("LOCK TABLE events IN EXCLUSIVE MODE", connection, stall))
        {
            await lockEvents.ExecuteNonQueryAsync(ct);
        }
        var held = Enumerable.Range(0, ContendedAppFixture.IngestMaxInFlight)
            .Select(i => ingest.PostAsJsonAsync("/api/trades", Trades.Event(wallet, id: $"evt_capacity_held_{Guid.NewGuid():N}"), ct))
            .ToList();
        await Poll.UntilAsync(() => fixture.App.CountAsync("SELECT count(*) FROM pg_locks WHERE relation = 'events'::regclass AND NOT granted"),
            waiting => waiting == ContendedAppFixture.IngestMaxInFlight, TimeSpan.FromSeconds(30),
            waiting => $"{waiting} ingest requests waiting on the events table, expected {ContendedAppFixture.IngestMaxInFlight}");
        return (stall, held);
    }

    private async Task IngestAsync(params JsonObject[] trades)
    {
        using var ingest = fixture.App.CreateIngestClient();
        var response = await ingest.PostAsJsonAsync("/api/trades", new JsonArray(trades.Select(t => (JsonNode)t.DeepClone()).ToArray()));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}
