using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Perps.Tests.Infrastructure;
using static Perps.Tests.Subscriptions.SubscriptionSetup;

namespace Perps.Tests.Subscriptions;

/// <summary>Trade filters on a webhook: every condition given must hold, with the event types; a filtered-out trade gets no delivery at all.</summary>
public sealed class TradeFilterTests(PerpsAppFixture app)
{
    [Fact]
    public async Task OnlyTradesMeetingEveryFilterAndEventTypeAreDeliveredAndTheOthersCreateNoDelivery()
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await app.CreateUserAsync();
        var whale = Wallets.NewAddress();
        var other = Wallets.NewAddress();
        await user.WatchAsync(whale);
        await user.WatchAsync(other);
        var filters = new JsonObject
        {
            ["markets"] = Array("SOL-PERP", "BTC-PERP"),
            ["sides"] = Array("long"),
            ["min_size_usd"] = 1000,
            ["min_leverage"] = 3,
            ["wallets"] = Array(whale),
        };
        var (filtered, shown) = await user.CreateWebhookAsync(new JsonObject
        {
            ["url"] = app.Receiver.NewEndpoint(),
            ["events"] = Array("trade.new", "trade.close"),
            ["filters"] = filters.DeepClone(),
        });
        var shownFilters = shown.Filters!;
        Assert.Equal(["SOL-PERP", "BTC-PERP"], shownFilters.Markets);
        Assert.Equal(["long"], shownFilters.Sides);
        Assert.Equal(1000, shownFilters.MinSizeUsd);
        Assert.Equal(3, shownFilters.MinLeverage);
        Assert.Equal([whale], shownFilters.Wallets);
        var unfiltered = await user.CreateWebhookAsync(app.Receiver.NewEndpoint());

        var events = new (JsonObject Trade, bool Passes)[]
        {
            (Trades.Event(whale), true),
            (Trades.Event(whale, "trade.close", adjust: d => { d["marketSymbol"] = "BTC-PERP"; d["sizeUsd"] = 1000; d["leverage"] = 3; }), true), // minimums are inclusive
            (Trades.Event(whale, "trade.liquidation"), false), // event type not subscribed
            (Trades.Event(whale, adjust: d => d["marketSymbol"] = "ETH-PERP"), false),
            (Trades.Event(whale, adjust: d => d["side"] = "short"), false),
            (Trades.Event(whale, adjust: d => d["sizeUsd"] = 50), false),
            (Trades.Event(whale, adjust: d => d["leverage"] = 2.9), false),
            (Trades.Event(other), false), // a watched wallet, but not one of the filter's
        };
        var ids = await app.IngestAsync(events.Select(e => (JsonNode)e.Trade).ToArray());
        await app.WaitForFanOutAsync(ids);
        await app.Receiver.WaitForAsync(unfiltered.Url, events.Length);

        var expected = ids.Where((_, i) => events[i].Passes).Order().ToList();
        var received = app.Receiver.Received(filtered.Url).Select(r => Signatures.Parse(r)["id"]!.GetValue<string>()).Order().ToList();
        Assert.Equal(expected, received);
        Assert.Equal(expected.Count, await app.CountDeliveriesAsync(filtered.Id)); // nothing recorded (or skipped) for the others
        Assert.Equal(events.Length, await app.CountDeliveriesAsync(unfiltered.Id));

        // {} removes every condition: the next ETH trade passes.
        var update = await user.Http.PutAsJsonAsync($"/api/webhooks/{filtered.Id}", new JsonObject { ["filters"] = new JsonObject() }, ct);
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        Assert.Null((await update.ReadAnswerAsync<WebhookAnswer>()).Webhook.Filters);
        var eth = (await app.IngestAsync(Trades.Event(whale, adjust: d => d["marketSymbol"] = "ETH-PERP")))[0];
        var after = await app.Receiver.WaitForAsync(filtered.Url, expected.Count + 1);
        Assert.Equal(eth, Signatures.Parse(after[^1])["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task FiltersChangedByUpdateApplyToTheNextTrades()
    {
        var ct = TestContext.Current.CancellationToken;
        using var user = await app.CreateUserAsync();
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var webhook = await user.CreateWebhookAsync(app.Receiver.NewEndpoint(), "trade.new");

        var update = await user.Http.PutAsJsonAsync($"/api/webhooks/{webhook.Id}",
            new JsonObject { ["filters"] = new JsonObject { ["min_size_usd"] = 100000 } }, ct);
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        var small = await app.IngestAsync(Trades.Event(wallet), Trades.Event(wallet, adjust: d => d["sizeUsd"] = 250000));
        await app.WaitForFanOutAsync(small);
        var received = await app.Receiver.WaitForAsync(webhook.Url, 1);
        Assert.Single(received);
        Assert.Equal(small[1], Signatures.Parse(received[0])["id"]!.GetValue<string>());
        var shown = (await user.GetAsync<WebhookAnswer>($"/api/webhooks/{webhook.Id}")).Webhook.Filters!;
        Assert.Equal(100000, shown.MinSizeUsd);
        Assert.Null(shown.Markets);
    }
}
