using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Perps.Tests.Infrastructure;
using Perps.Webhooks;

namespace Perps.Tests.Faults;

/// <summary>
/// Users, wallets and webhooks, and a trade feed that keeps sending to them while a fault happens; then the count of
/// what the receiver took against what it should have. Each user watches two wallets and each wallet has two
/// watchers, so one event makes one delivery per webhook of both watchers. The feed behaves like a real one: it
/// names its events, and resends a batch with the same ids until the API accepts it.
/// </summary>
public sealed class DeliveryLoad
{
    private const int BatchSize = 10;
    private static readonly string[] Types = ["trade.new", "trade.close", "trade.liquidation"];

    private readonly TestReceiver _receiver;
    private readonly string[] _wallets;
    private readonly Dictionary<string, List<CreatedWebhook>> _webhooksByWallet;
    private readonly ConcurrentDictionary<string, string> _accepted = new(); // event id → wallet
    private int _ingestRetries;

    private DeliveryLoad(FaultApp app, TestReceiver receiver, string[] wallets, Dictionary<string, List<CreatedWebhook>> webhooksByWallet)
    {
        App = app;
        _receiver = receiver;
        _wallets = wallets;
        _webhooksByWallet = webhooksByWallet;
    }

    /// <summary>The app the feed sends to and whose Postgres is looked into; another one after a whole-app restart.</summary>
    public FaultApp App { get; set; }

    public IReadOnlyList<CreatedWebhook> Webhooks => _webhooksByWallet.Values.SelectMany(w => w).DistinctBy(w => w.Id).ToList();

    public int AcceptedEvents => _accepted.Count;

    /// <summary>Ingest requests that failed and were sent again.</summary>
    public int IngestRetries => _ingestRetries;

    /// <summary><paramref name="users"/> users in a ring (user i watches wallets i and i+1), each with <paramref name="webhooksPerUser"/> webhooks.</summary>
    public static async Task<DeliveryLoad> SetUpAsync(FaultApp app, TestReceiver receiver, int users = 4, int webhooksPerUser = 2,
        Func<int, Func<int, (int Status, TimeSpan Delay)>?>? scriptForWebhook = null)
    {
        var wallets = Enumerable.Range(0, users).Select(_ => Wallets.NewAddress()).ToArray();
        var byWallet = wallets.ToDictionary(w => w, _ => new List<CreatedWebhook>());
        for (var u = 0; u < users; u++)
        {
            using var user = await app.CreateUserAsync($"fault user {u}");
            var watched = new[] { wallets[u], wallets[(u + 1) % users] };
            foreach (var wallet in watched)
            {
                await user.WatchAsync(wallet);
            }
            for (var h = 0; h < webhooksPerUser; h++)
            {
                var webhook = await user.CreateWebhookAsync(receiver.NewEndpoint(scriptForWebhook?.Invoke(h)));
                foreach (var wallet in watched)
                {
                    byWallet[wallet].Add(webhook);
                }
            }
        }
        return new DeliveryLoad(app, receiver, wallets, byWallet);
    }

    /// <summary>
    /// Sends batches of ten at <paramref name="eventsPerSecond"/>, without waiting for one batch before starting the
    /// next: at least <paramref name="minimumEvents"/>, and on until <paramref name="until"/> (a fault being made) has
    /// completed, so the feed spans the whole fault. Returns once every batch is accepted.
    /// </summary>
    public async Task IngestAsync(int eventsPerSecond, int minimumEvents, Task? until = null)
    {
        var ct = TestContext.Current.CancellationToken;
        using var ingest = App.CreateIngestClient();
        var interval = TimeSpan.FromSeconds((double)BatchSize / eventsPerSecond);
        var sends = new List<Task>();
        for (var b = 0; b * BatchSize < minimumEvents || until is { IsCompleted: false }; b++)
        {
            var batch = Enumerable.Range(b * BatchSize, BatchSize).Select(n =>
                (Id: Ids.New(Ids.Event), Wallet: _wallets[n % _wallets.Length], Type: Types[n / BatchSize % Types.Length])).ToList();
            sends.Add(SendUntilAcceptedAsync(ingest, batch, ct));
            await Task.Delay(interval, ct);
        }
        await Task.WhenAll(sends);
        if (until is not null)
        {
            await until; // its failure is the test's
        }
    }

    private async Task SendUntilAcceptedAsync(HttpClient ingest, List<(string Id, string Wallet, string Type)> batch, CancellationToken ct)
    {
        var body = new JsonArray(batch.Select(e => (JsonNode)Trades.Event(e.Wallet, e.Type, e.Id)).ToArray());
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
                using var response = await ingest.PostAsync("/api/trades", content, ct);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    foreach (var e in batch)
                    {
                        _accepted[e.Id] = e.Wallet;
                    }
                    return;
                }
                Assert.True((int)response.StatusCode >= 500, $"ingest answered {(int)response.StatusCode}");
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
            }
            Interlocked.Increment(ref _ingestRetries);
            if (deadline.Elapsed > TimeSpan.FromSeconds(90))
            {
                throw new TimeoutException("The API did not accept a batch of trades within 90 s.");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }
    }

    /// <summary>What the receiver has taken so far, against every (event, webhook) pair of the accepted events.</summary>
    public DeliveryTally Tally()
    {
        var expected = _accepted.SelectMany(e => _webhooksByWallet[e.Value].Select(w => (WebhookId: w.Id, EventId: e.Key))).ToHashSet();
        var requests = 0;
        var acknowledged = 0;
        var delivered = new HashSet<(string, string)>();
        var unexpected = 0;
        var mixedIds = new List<string>();
        foreach (var webhook in Webhooks)
        {
            var received = _receiver.Received(webhook.Url);
            requests += received.Count;
            foreach (var pair in received.GroupBy(EventIdOf))
            {
                if (!expected.Contains((webhook.Id, pair.Key)))
                {
                    unexpected++;
                }
                if (pair.Select(r => r.Header("X-Delivery-ID")).Distinct().Count() != 1)
                {
                    mixedIds.Add($"{webhook.Id}/{pair.Key}");
                }
            }
            foreach (var request in _receiver.Acknowledged(webhook.Url))
            {
                acknowledged++;
                delivered.Add((webhook.Id, EventIdOf(request)));
            }
        }
        return new DeliveryTally(
            Events: _accepted.Count,
            Expected: expected.Count,
            Requests: requests,
            Delivered: delivered.Count,
            Lost: expected.Count(p => !delivered.Contains(p)),
            Duplicates: acknowledged - delivered.Count,
            Unexpected: unexpected,
            MixedDeliveryIds: mixedIds);
    }

    /// <summary>
    /// Waits until every expected pair has been taken (drain, measured from <paramref name="since"/>), then until
    /// Postgres holds no pending delivery (settled), so duplicates sent once a lease expires are counted too.
    /// </summary>
    public async Task<(DeliveryTally Tally, TimeSpan Drain, TimeSpan Settled)> WaitForAllAsync(Stopwatch since, TimeSpan timeout)
    {
        var ct = TestContext.Current.CancellationToken;
        var deadline = Stopwatch.StartNew();
        var tally = Tally();
        while (tally.Lost > 0 && deadline.Elapsed < timeout)
        {
            await Task.Delay(200, ct);
            tally = Tally();
        }
        var drain = since.Elapsed;
        while (deadline.Elapsed < timeout && await App.CountAsync("SELECT count(*) FROM deliveries WHERE status = 'pending'") is not 0)
        {
            await Task.Delay(250, ct);
        }
        return (Tally(), drain, since.Elapsed);
    }

    /// <summary>Events whose first delivery was recorded more than two seconds after they were stored: by the sweep, or late for an outage.</summary>
    public async Task<long?> LateFanOutsAsync() => await App.CountAsync($"""
        SELECT count(*) FROM (
            SELECT d.event_id FROM deliveries d JOIN events e ON e.id = d.event_id
            WHERE d.event_id IN ({string.Join(", ", _accepted.Keys.Select(id => $"'{id}'"))})
            GROUP BY d.event_id, e.created_at
            HAVING min(d.created_at) > e.created_at + interval '2 seconds') late
        """);

    /// <summary>Attempt numbers claimed but never recorded: sends lost with a dispatcher, made good when the lease ran out.</summary>
    public async Task<long?> UnrecordedAttemptsAsync() => await App.CountAsync($"""
        SELECT coalesce(sum(d.attempts - (SELECT count(*) FROM delivery_attempts a WHERE a.delivery_id = d.id)), 0)
        FROM deliveries d WHERE d.webhook_id IN ({string.Join(", ", Webhooks.Select(w => $"'{w.Id}'"))})
        """);

    private static string EventIdOf(ReceivedRequest request) => JsonNode.Parse(request.Body)!["id"]!.GetValue<string>();
}

/// <summary>
/// <paramref name="Delivered"/>: (event, webhook) pairs the receiver answered 2xx at least once;
/// <paramref name="Duplicates"/>: 2xx answers beyond the first for a pair; <paramref name="Requests"/>: every
/// request, failed attempts included.
/// </summary>
public sealed record DeliveryTally(int Events, int Expected, int Requests, int Delivered, int Lost, int Duplicates, int Unexpected,
    IReadOnlyList<string> MixedDeliveryIds)
{
    public void AssertAtLeastOnce()
    {
        Assert.True(Events > 0, "no events were accepted");
        Assert.Equal(0, Lost);
        Assert.Equal(Expected, Delivered);
        Assert.Equal(0, Unexpected);
        Assert.True(MixedDeliveryIds.Count == 0, $"pairs received under more than one X-Delivery-ID: {string.Join(", ", MixedDeliveryIds.Take(5))}");
    }
}
