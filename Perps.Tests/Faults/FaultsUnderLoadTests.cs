using System.Diagnostics;
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
