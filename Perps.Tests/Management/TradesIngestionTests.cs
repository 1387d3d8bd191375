using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Management;

/// <summary>Ingestion refuses bad events whole, naming the field, and stores nothing; an event id is stored once.</summary>
public sealed class TradesIngestionTests(PerpsAppFixture app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Missing = "<missing>";
    [Theory]
    [InlineData("trade.new", "sizeUsd", "-5")]
    [InlineData("trade.new", "sizeUsd", "0")]
    [InlineData("trade.new", "sizeUsd", "\"NaN\"")]
    [InlineData("trade.new", "sizeUsd", "\"Infinity\"")]
    [InlineData("trade.new", "sizeUsd", "\"-Infinity\"")]
    [InlineData("trade.new", "sizeUsd", "\"15000.5\"")]
    [InlineData("trade.new", "sizeUsd", "1e400")]
    [InlineData("trade.new", "sizeUsd", "null")]
    [InlineData("trade.new", "sizeUsd", Missing)]
    [InlineData("trade.new", "leverage", "-1")]
    [InlineData("trade.new", "entryPrice", "\"NaN\"")]
    [InlineData("trade.new", "collateral", "-0.01")]
    [InlineData("trade.new", "owner", "\"0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl\"")]
    [InlineData("trade.new", "owner", "\"22222222222222222222222222222222\"")]
    [InlineData("trade.new", "side", "\"up\"")]
    [InlineData("trade.new", "marketSymbol", "\"\"")]
    [InlineData("trade.new", "timestamp", "\"yesterday\"")]
    [InlineData("trade.new", "timestamp", "\"2025-01-15T10:30:00\"")]
    [InlineData("trade.new", "exitPrice", "190.1")]
    [InlineData("trade.new", "pnlUsd", "-12.5")]
    [InlineData("trade.close", "exitPrice", "-190.1")]
    [InlineData("trade.close", "pnlUsd", "\"NaN\"")]
    [InlineData("trade.liquidation", "exitPrice", "\"Infinity\"")]
    [InlineData("trade.new", "leverageX", "5")]
    [InlineData("trade.new", "SizeUsd", "5")]
    public async Task IngestInvalidEventReturnsProblemNamingTheFieldAndStoresNothing(string type, string field, string value)
    {
        using var watcher = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await watcher.WatchAsync(wallet);
        var webhook = await watcher.CreateWebhookAsync(app.Receiver.NewEndpoint());
        var id = NewEventId();
        var bad = Trades.Event(wallet, type, id, d =>
        {
            if (value == Missing)
            {
                d.Remove(field);
            }
            else
            {
                d[field] = JsonNode.Parse(value);
            }
        });

        var response = await PostRawAsync(bad.ToJsonString());

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(field, problem.ToJsonString());
        await AssertStoredNothingAsync(webhook, Trades.Event(wallet, type, id));
    }

    [Theory]
    [InlineData("2025-01-15T10:30:00Z")]
    [InlineData("2025-01-15T10:30:00.123Z")]
    [InlineData("2025-01-15T10:30:00+05:30")]
    [InlineData("2025-01-15T10:30:00.5-02:00")]
    public async Task IngestAcceptsTimestampsWithAZone(string timestamp)
    {
        var trade = Trades.Event(Wallets.NewAddress(), adjust: d => d["timestamp"] = timestamp);

        var ids = await app.IngestAsync(trade);

        Assert.Single(ids);
    }

    [Fact]
    public async Task IngestEventWithBadIdOrTypeReturnsProblemNamingTheField()
    {
        var wallet = Wallets.NewAddress();

        var badId = await PostRawAsync(Trades.Event(wallet, id: "not-an-evt-id").ToJsonString());
        var longId = await PostRawAsync(Trades.Event(wallet, id: "evt_" + new string('a', 97)).ToJsonString());
        var badType = await PostRawAsync(Trades.Event(wallet, type: "trade.open").ToJsonString());

        await badId.ValidationProblemAsync("event.id");
        await longId.ValidationProblemAsync("event.id");
        await badType.ValidationProblemAsync("event.type");
    }

    [Fact]
    public async Task IngestBatchWithOneBadEventStoresNoneOfThem()
    {
        using var watcher = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await watcher.WatchAsync(wallet);
        var webhook = await watcher.CreateWebhookAsync(app.Receiver.NewEndpoint());
        var good = new[] { Trades.Event(wallet, id: NewEventId()), Trades.Event(wallet, id: NewEventId()), Trades.Event(wallet, id: NewEventId()) };
        var batch = new JsonArray(good.Select(e => e.DeepClone()).ToArray());
        batch[1]!["data"]!["sizeUsd"] = -1;

        var response = await PostRawAsync(batch.ToJsonString());

        var problem = await response.ValidationProblemAsync("events[1].data.sizeUsd");
        Assert.Contains("sizeUsd", problem["detail"].AsString());
        Assert.Single(problem["errors"]!.AsObject());
        await AssertStoredNothingAsync(webhook, good);
    }

    [Fact]
    public async Task IngestBatchWithOneUnreadableEventStoresNoneOfThem()
    {
        using var watcher = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await watcher.WatchAsync(wallet);
        var webhook = await watcher.CreateWebhookAsync(app.Receiver.NewEndpoint());
        var good = new[] { Trades.Event(wallet, id: NewEventId()), Trades.Event(wallet, id: NewEventId()) };
        var batch = new JsonArray(good.Select(e => e.DeepClone()).ToArray());
        batch[1]!["data"]!["sizeUsd"] = "NaN";

        var response = await PostRawAsync(batch.ToJsonString());

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("sizeUsd", problem["detail"].AsString());
        await AssertStoredNothingAsync(webhook, good);
    }

    [Fact]
    public async Task IngestMoreThan1000EventsReturnsValidationProblemAndStoresNothing()
    {
        using var watcher = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await watcher.WatchAsync(wallet);
        var webhook = await watcher.CreateWebhookAsync(app.Receiver.NewEndpoint());
        var first = Trades.Event(wallet, id: NewEventId());
        var batch = new JsonArray([first.DeepClone(), .. Enumerable.Range(0, 1000).Select(_ => (JsonNode)Trades.Event(wallet))]);

        var response = await PostRawAsync(batch.ToJsonString());

        var problem = await response.ValidationProblemAsync("events");
        Assert.Contains("1000", problem["detail"].AsString());
        await AssertStoredNothingAsync(webhook, first);
    }

    [Fact]
    public async Task Ingest1000EventsIsAccepted()
    {
        var unwatched = Wallets.NewAddress();
        var batch = Enumerable.Range(0, 1000).Select(_ => (JsonNode)Trades.Event(unwatched)).ToArray();

        var ids = await app.IngestAsync(batch);

        Assert.Equal(1000, ids.Distinct().Count());
        Assert.All(ids, id => Assert.StartsWith("evt_", id));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("5")]
    [InlineData("\"trade.new\"")]
    [InlineData("[5]")]
    [InlineData("[null]")]
    [InlineData("{}")]
    [InlineData("{\"type\": \"trade.new\"}")]
    [InlineData("{\"type\": \"trade.new\", \"data\": null}")]
    [InlineData("{\"type\": \"trade.new\", \"data\": {}}")]
    public async Task IngestUnreadableBodyReturnsProblem(string body)
    {
        var response = await PostRawAsync(body);

        await response.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task IngestBodyOver2MiBReturnsPayloadTooLarge()
    {
        using var ingest = app.CreateIngestClient();
        var request = ApiResponses.Oversized(HttpMethod.Post, "/api/trades",
            padding => Trades.Event(Wallets.NewAddress(), adjust: d => d["marketSymbol"] = padding).ToJsonString());

        var response = await ingest.SendAsync(request, Ct);

        await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task IngestSameIdTwiceAcceptsBothAndDeliversOnce()
    {
        using var watcher = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await watcher.WatchAsync(wallet);
        var webhook = await watcher.CreateWebhookAsync(app.Receiver.NewEndpoint());
        var id = NewEventId();

        var first = await app.IngestAsync(Trades.Event(wallet, id: id));
        var second = await app.IngestAsync(Trades.Event(wallet, id: id, adjust: d => d["sizeUsd"] = 99.0));

        Assert.Equal([id], first);
        Assert.Equal([id], second);
        var received = await app.Receiver.WaitForAsync(webhook.Url, 1);
        await Quiet.WaitAsync(Ct);
        Assert.Single(app.Receiver.Received(webhook.Url));
        Assert.Equal(id, Signatures.Parse(received[0])["id"].AsString());
        Assert.Equal(15000.5, Signatures.Parse(received[0])["data"]!["sizeUsd"]!.GetValue<double>());
    }

    [Fact]
    public async Task IngestSameIdTwiceInOneBatchDeliversOnce()
    {
        using var watcher = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await watcher.WatchAsync(wallet);
        var webhook = await watcher.CreateWebhookAsync(app.Receiver.NewEndpoint());
        var id = NewEventId();

        var ids = await app.IngestAsync(Trades.Event(wallet, id: id), Trades.Event(wallet, id: id));

        Assert.All(ids, accepted => Assert.Equal(id, accepted));
        await app.Receiver.WaitForAsync(webhook.Url, 1);
        await Quiet.WaitAsync(Ct);
        Assert.Single(app.Receiver.Received(webhook.Url));
    }

    private static string NewEventId() => $"evt_{Guid.NewGuid():N}";

    private async Task<HttpResponseMessage> PostRawAsync(string body)
    {
        using var ingest = app.CreateIngestClient();
        return await ingest.PostAsync("/api/trades", ApiResponses.RawJson(body), Ct);
    }

    /// <summary>
    /// Nothing arrives while the quiet period lasts; then the good versions of the refused events, with the same ids,
    /// are accepted and all delivered, which they would not be had the refused request stored any of those ids.
    /// </summary>
    private async Task AssertStoredNothingAsync(CreatedWebhook webhook, params JsonObject[] good)
    {
        await Quiet.WaitAsync(Ct);
        Assert.Empty(app.Receiver.Received(webhook.Url));

        await app.IngestAsync(good);

        var received = await app.Receiver.WaitForAsync(webhook.Url, good.Length);
        Assert.Equal(good.Select(e => e["id"].AsString()).Order(), received.Select(r => Signatures.Parse(r)["id"].AsString()).Order());
    }
}
