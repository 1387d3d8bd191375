using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Perps.Tests.Alerts;
using Perps.Tests.Infrastructure;
using Perps.Webhooks;

namespace Perps.Tests.Faults;

/// <summary>
/// Redis stopped and started again (its data wiped) while alert clients are connected to two API replicas and
/// trades keep coming: Redis only wakes replicas sooner, so every client must still get every alert of its wallet,
/// in order and once (or be told resync_required, never silently lose one), and a client connecting during the
/// outage must get in and be served.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class AlertsRedisRestartTests : IAsyncLifetime
{
    private const int Clients = 4;
    private FaultApp? _app;

    private FaultApp App => _app ?? throw new InvalidOperationException("The fault app has not started.");

    public async ValueTask InitializeAsync() => _app = await FaultApp.StartAsync("--Api:Replicas=2");

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task ConnectedClientsGetEveryAlertWhileRedisIsStoppedAndStarted()
    {
        var output = TestContext.Current.TestOutputHelper;
        var users = new List<UserClient>();
        var collectors = new List<FrameCollector>();
        var wallets = new string[Clients];
        try
        {
            for (var i = 0; i < Clients; i++)
            {
                var user = await App.CreateUserAsync($"alert client {i}");
                users.Add(user);
                wallets[i] = Wallets.NewAddress();
                await user.WatchAsync(wallets[i]);
                collectors.Add(new FrameCollector((await AlertSocket.OpenAsync(App.Distributed, user.Key)).Socket));
            }
            var feed = new SequentialFeed(App, wallets);
            var feeding = feed.RunAsync();

            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken); // the feed flows before the fault
            var outage = Stopwatch.StartNew();
            await App.StopAsync(FaultApp.Redis, TimeSpan.FromSeconds(60));
            output?.WriteLine($"Redis stopped in {outage.Elapsed.TotalSeconds:0.0} s");

            // A client that connects while Redis is down gets in and receives its wallet's trades.
            var (latecomer, _) = await AlertSocket.OpenAsync(App.Distributed, users[0].Key);
            await using (latecomer)
            {
                var waiting = Stopwatch.StartNew();
                var first = (await latecomer.ReceiveAlertsAsync(1, TimeSpan.FromSeconds(20)))[0];
                Assert.Contains(first.String("id"), feed.SentFor(wallets[0]));
                output?.WriteLine($"a client connected during the outage got its first alert after {waiting.Elapsed.TotalSeconds:0.0} s");
            }

            await App.StartAsync(FaultApp.Redis, TimeSpan.FromSeconds(60));
            output?.WriteLine($"Redis healthy again after {outage.Elapsed.TotalSeconds:0.0} s");
            await feed.WaitForMoreAsync(batches: 10);
            await feed.StopAsync(feeding);

            for (var i = 0; i < Clients; i++)
            {
                var expected = feed.SentFor(wallets[i]);
                var collector = collectors[i];
                await Poll.UntilAsync(() => Task.FromResult(collector), c => c.SawResync || c.AlertIds.Count >= expected.Count || c.Reading.IsCompleted,
                    TimeSpan.FromSeconds(60), c => $"client {i} received {c.AlertIds.Count} of {expected.Count} alerts");
                await collector.StopAsync();
                output?.WriteLine($"client {i}: {expected.Count} events ingested, {collector.AlertIds.Count} alerts received, resync_required: {collector.SawResync}");
                Assert.True(collector.SawResync || collector.AlertIds.SequenceEqual(expected),
                    $"client {i}: expected its {expected.Count} events in ingest order, received [{string.Join(", ", collector.AlertIds)}]" +
                    $" (missing [{string.Join(", ", expected.Except(collector.AlertIds))}]; closed: {collector.Socket.CloseStatus} {collector.Socket.CloseReason})");
            }
            output?.WriteLine($"{feed.Sent} events ingested, {feed.Resent} ingest requests resent");
        }
        finally
        {
            foreach (var collector in collectors)
            {
                await collector.Socket.DisposeAsync();
            }
            foreach (var user in users)
            {
                user.Dispose();
            }
        }
    }

    /// <summary>
    /// Reads one client's frames on a task of its own, as a real client does, so the server's keep-alive pings are
    /// answered throughout; it stops at the pong of the ping <see cref="StopAsync"/> sends.
    /// </summary>
    private sealed class FrameCollector
    {
        private readonly ConcurrentQueue<JsonObject> _frames = new();

        public FrameCollector(AlertSocket socket)
        {
            Socket = socket;
            Reading = Task.Run(ReadAsync);
        }

        public AlertSocket Socket { get; }

        public Task Reading { get; }

        public List<string> AlertIds => _frames.Where(f => f.ContainsKey("id") && f.ContainsKey("cursor")).Select(f => f.String("id")).ToList();

        public bool SawResync => _frames.Any(f => f["type"]?.GetValue<string>() == "resync_required");

        public async Task StopAsync()
        {
            if (!Reading.IsCompleted)
            {
                await Socket.SendAsync("""{"op":"ping"}""");
            }
            await Reading.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        }

        private async Task ReadAsync()
        {
            while (await Socket.ReceiveAsync(TimeSpan.FromMinutes(3)) is { } text)
            {
                var frame = JsonNode.Parse(text)!.AsObject();
                if (frame["type"]?.GetValue<string>() == "pong")
                {
                    return;
                }
                _frames.Enqueue(frame);
            }
        }
    }

    /// <summary>
    /// A trade feed that sends one batch at a time (one trade per wallet, ids of its own) and resends a batch until
    /// it is accepted, so the order the events were stored in is the order they were sent in. Once it has stopped,
    /// every event it sent was accepted.
    /// </summary>
    private sealed class SequentialFeed(FaultApp app, string[] wallets)
    {
        private readonly ConcurrentQueue<(string Id, string Wallet)> _sent = new();
        private volatile bool _stopping;
        private int _batches;
        private int _resent;

        public int Sent => _sent.Count;

        /// <summary>Ingest requests that failed and were sent again.</summary>
        public int Resent => _resent;

        /// <summary>The events sent for a wallet, in order (an alert can come before the 202 that accepts its batch).</summary>
        public List<string> SentFor(string wallet) => _sent.Where(e => e.Wallet == wallet).Select(e => e.Id).ToList();

        public async Task RunAsync()
        {
            using var ingest = app.CreateIngestClient();
            var types = new[] { "trade.new", "trade.close", "trade.liquidation" };
            while (!_stopping)
            {
                var batch = wallets.Select((wallet, i) => (Id: Ids.New(Ids.Event), Wallet: wallet, Type: types[(_batches + i) % types.Length])).ToList();
                var body = new JsonArray(batch.Select(e => (JsonNode)Trades.Event(e.Wallet, e.Type, e.Id)).ToArray()).ToJsonString();
                foreach (var e in batch)
                {
                    _sent.Enqueue((e.Id, e.Wallet));
                }
                await SendUntilAcceptedAsync(ingest, body);
                Interlocked.Increment(ref _batches);
                await Task.Delay(TimeSpan.FromMilliseconds(100), TestContext.Current.CancellationToken);
            }
        }

        public Task WaitForMoreAsync(int batches)
        {
            var target = Volatile.Read(ref _batches) + batches;
            return Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref _batches)), b => b >= target, TimeSpan.FromSeconds(60),
                b => $"the feed sent {b} batches, not {target}");
        }

        public async Task StopAsync(Task running)
        {
            _stopping = true;
            await running.WaitAsync(TimeSpan.FromSeconds(120), TestContext.Current.CancellationToken);
        }

        private async Task SendUntilAcceptedAsync(HttpClient ingest, string body)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
                    using var response = await ingest.PostAsync("/api/trades", content, TestContext.Current.CancellationToken);
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        return;
                    }
                    Assert.True((int)response.StatusCode >= 500, $"ingest answered {(int)response.StatusCode}");
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !TestContext.Current.CancellationToken.IsCancellationRequested)
                {
                }
                Interlocked.Increment(ref _resent);
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(90), "The API did not accept a batch of trades within 90 s.");
                await Task.Delay(TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken);
            }
        }
    }
}
