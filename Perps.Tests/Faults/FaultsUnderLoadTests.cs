using System.Diagnostics;
using System.Text.Json.Nodes;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Faults;

/// <summary>
/// Faults made while hundreds of events are being ingested and delivered (four users in a ring, two webhooks each:
/// four deliveries per event). Afterwards every (event, webhook) pair must have reached the receiver at least once,
/// under one X-Delivery-ID. Recovery timings are shrunk: ClaimIdle and FanOutGrace 3 s, AttemptLease 12 s,
/// Timeout 5 s, retries after 1 s and 2 s.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class FaultsUnderLoadTests(FaultAppFixture fixture) : IClassFixture<FaultAppFixture>
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(90);

    private FaultApp App => fixture.App;

    [Fact]
    public async Task KillingADispatcherReplicaUnderLoadLosesNoDelivery()
    {
        // A little latency at the endpoint keeps deliveries in flight when the replica dies.
        var load = await DeliveryLoad.SetUpAsync(App, fixture.Receiver, scriptForWebhook: _ => _ => (200, TimeSpan.FromMilliseconds(100)));

        var fault = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
            var before = load.Tally();
            var pid = await App.KillOneDispatcherReplicaAsync();
            return $"pid {pid} killed with {before.Requests - before.Delivered - before.Duplicates} requests unanswered";
        });
        await load.IngestAsync(eventsPerSecond: 100, minimumEvents: 400, until: fault);
        var (tally, drain, settled) = await load.WaitForAllAsync(Stopwatch.StartNew(), DrainTimeout);

        var replicas = (await App.RunningProcessIdsAsync(FaultApp.Dispatcher)).Count;
        FaultFigures.Report("dispatcher replica SIGKILLed", tally, drain, settled,
            $"{await fault}; {replicas} replica(s) running after; {await load.UnrecordedAttemptsAsync()} attempts lost with it");
        tally.AssertAtLeastOnce();
    }

    [Fact]
    public Task RestartingRedisWithItsDataWipedUnderLoadLosesNoDelivery() =>
        RestartUnderLoadLosesNoDeliveryAsync(FaultApp.Redis, "Redis restarted, data wiped");

    [Fact]
    public Task RestartingPostgresUnderLoadLosesNoDelivery() =>
        RestartUnderLoadLosesNoDeliveryAsync(FaultApp.Postgres, "Postgres restarted");

    [Fact]
    public async Task EndpointsThatHangOrResetConnectionsThenRecoverReceiveEveryDelivery()
    {
        // Webhook 0 of each user hangs past the delivery timeout, webhook 1 resets the connection; both recover.
        var recoverAt = DateTimeOffset.MaxValue;
        var hang = FaultApp.Timeout + TimeSpan.FromSeconds(3);
        var load = await DeliveryLoad.SetUpAsync(App, fixture.Receiver, scriptForWebhook: webhook => webhook == 0
            ? _ => DateTimeOffset.UtcNow < recoverAt ? (200, hang) : (200, TimeSpan.Zero)
            : _ => DateTimeOffset.UtcNow < recoverAt ? (TestReceiver.Abort, TimeSpan.Zero) : (200, TimeSpan.Zero));

        recoverAt = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(2.5);
        await load.IngestAsync(eventsPerSecond: 100, minimumEvents: 400);
        var (tally, drain, settled) = await load.WaitForAllAsync(Stopwatch.StartNew(), DrainTimeout);

        var failedAttempts = tally.Requests - tally.Delivered - tally.Duplicates;
        FaultFigures.Report("endpoints hang past the timeout or reset connections, then recover", tally, drain, settled,
            $"{failedAttempts} failed attempts retried");
        tally.AssertAtLeastOnce();
        Assert.True(failedAttempts > 0, "the endpoints were expected to fail some attempts");
    }

    [Fact]
    public async Task AFirstAttemptThatOutlivesClaimIdleIsSentOnceAndRecordedOnce()
    {
        // Each answer takes 4 s: past ClaimIdle (3 s), inside the timeout (5 s). The pending stream entry is these
        // first attempts' only lease, so it must be renewed while they are in flight, or another claim resends them.
        using var user = await App.CreateUserAsync("slow receiver");
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(fixture.Receiver.NewEndpoint(_ => (200, TimeSpan.FromSeconds(4))));
        var ids = await App.Distributed.IngestAsync(Enumerable.Range(0, 3).Select(_ => (JsonNode)Trades.Event(wallet)).ToArray());

        var received = await fixture.Receiver.WaitForAsync(webhook.Url, ids.Count, TimeSpan.FromSeconds(20));
        await Task.Delay(FaultApp.Timeout, TestContext.Current.CancellationToken); // any second send would have arrived by now
        var deliveries = (await Poll.UntilAsync(() => user.GetJsonAsync($"/api/webhooks/{webhook.Id}/deliveries"),
            list => list["deliveries"]!.AsArray().Count(d => d!["status"]!.GetValue<string>() == "succeeded") == ids.Count,
            TimeSpan.FromSeconds(10), list => list.ToJsonString()))["deliveries"]!.AsArray().Select(d => d!.AsObject()).ToList();

        Assert.Equal(ids.Order(), fixture.Receiver.Received(webhook.Url).Select(r => JsonNode.Parse(r.BodyText)!["id"]!.GetValue<string>()).Order());
        Assert.All(deliveries, d => Assert.Equal(1, d["attempts"]!.GetValue<int>()));
        Assert.Equal(received.Select(r => r.Header("X-Delivery-ID")).Order(), deliveries.Select(d => d["id"]!.GetValue<string>()).Order());
    }

    private async Task RestartUnderLoadLosesNoDeliveryAsync(string resource, string fault)
    {
        var load = await DeliveryLoad.SetUpAsync(App, fixture.Receiver);

        var restart = RestartAsync(resource);
        await load.IngestAsync(eventsPerSecond: 50, minimumEvents: 400, until: restart);
        var (tally, drain, settled) = await load.WaitForAllAsync(Stopwatch.StartNew(), DrainTimeout);

        FaultFigures.Report(fault, tally, drain, settled, $"{await restart}; {load.IngestRetries} ingest requests resent; " +
            $"{await load.LateFanOutsAsync()} events fanned out late; {await load.UnrecordedAttemptsAsync()} attempts unrecorded");
        tally.AssertAtLeastOnce();
    }

    /// <summary>1.5 s into the load: stop the dependency (DCP: SIGTERM, SIGKILL if it lingers), wait 3 s, start it, wait until healthy.</summary>
    private async Task<string> RestartAsync(string resource)
    {
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
        var stopping = Stopwatch.StartNew();
        await App.StopAsync(resource, TimeSpan.FromSeconds(60));
        var stopped = stopping.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        await App.StartAsync(resource, TimeSpan.FromSeconds(60));
        return $"{resource} stopped in {stopped.TotalSeconds:0.0}s, healthy again after {stopping.Elapsed.TotalSeconds:0.0}s";
    }
}
