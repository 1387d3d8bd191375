using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Perps.Api.Contracts;
using Perps.Webhooks.Delivery;
using Perps.Webhooks.Events;
using Perps.Webhooks.Lifecycle;

namespace Perps.Api.OpenApi;

/// <summary>
/// Request and response examples for the main routes. They are the contract records serialized with the API's own
/// <c>JsonOptions</c>, so an example cannot show a field name the API does not use.
/// </summary>
internal sealed class OperationExamplesTransformer(IOptions<JsonOptions> json) : IOpenApiOperationTransformer
{
    private const string WebhookId = "wh_5f1c2a9e7b3d4c6a8e0f1b2c";
    private const string DeliveryId = "dlv_9a8b7c6d5e4f3a2b1c0d9e8f";
    private const string EventId = "evt_0a1b2c3d4e5f6a7b8c9d0e1f";
    private const string Wallet = "DRVRvzf8pSiMJi5BY1NmZu5STahBYKMVcfkPp3vxPump";
    private const string Url = "https://example.com/webhooks/perps";
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw6k7Ajqy3S7o=";
    private static readonly DateTimeOffset Created = new(2025, 1, 15, 10, 30, 0, TimeSpan.Zero);

    private static readonly TradeFilters Filters = new(Markets: ["SOL-PERP", "BTC-PERP"], Sides: ["long"], MinSizeUsd: 10000, MinLeverage: 5);

    private static readonly WebhookResponse Webhook =
        new(WebhookId, Url, [EventTypes.TradeNew, EventTypes.TradeClose], true, Created, Created, null, null, Filters, RateLimit: 2);

    private static readonly WebhookHealth Health = new(1240, 1236, 2, Created.AddHours(3), Created.AddHours(1), 0, null);

    private static readonly DeliveryResponse Delivery =
        new(DeliveryId, EventId, EventTypes.TradeNew, DeliveryStatus.Succeeded, 1, 200, null, Created, Created.AddSeconds(1), null);

    private static readonly TradeEventRequest Trade = new(EventTypes.TradeNew,
        new TradeDataRequest(Wallet, "SOL-PERP", "long", 15000.50, 5.2, 185.42, 2884.71, "2025-01-15T10:30:00Z"), EventId);

    /// <summary>Route → (request body, the success status, its body).</summary>
    private static readonly Dictionary<string, (object? Request, string Status, object Response)> Examples = new()
    {
        ["POST /api/admin/api-keys"] = (new CreateApiKeyRequest("trading-bot"), "201",
            new CreatedApiKeyEnvelope(new CreatedApiKey("key_4e5f6a7b8c9d0e1f2a3b4c5d", "trading-bot", "pk_Xr3bG9kQ2mVt7LwYp0sN4aHc8JdEf6Ui1oZyRqTnBvM"))),
        ["DELETE /api/admin/api-keys/{id}"] = (null, "200", new MessageEnvelope("API key revoked; its webhooks receive nothing more.")),
        ["POST /api/wallets"] = (new AddWalletRequest(Wallet), "201", new WalletEnvelope(new WalletResponse(Wallet, Created))),
        ["GET /api/wallets"] = (null, "200", new WalletListEnvelope([new WalletResponse(Wallet, Created)])),
        ["DELETE /api/wallets/{address}"] = (null, "200", new MessageEnvelope($"{Wallet} removed from your watchlist.")),
        ["POST /api/webhooks"] = (new CreateWebhookRequest(Url, [EventTypes.TradeNew, EventTypes.TradeClose], Filters, RateLimit: 2), "201",
            new WebhookWithSecretEnvelope(WebhookWithSecretResponse.From(Webhook, Secret), "Webhook created. Save your secret - it will only be shown once!")),
        ["GET /api/webhooks"] = (null, "200", new WebhookListEnvelope([Webhook])),
        ["GET /api/webhooks/{id}"] = (null, "200", new WebhookDetailEnvelope(Webhook, Health)),
        ["PUT /api/webhooks/{id}"] = (new UpdateWebhookRequest(Events: [EventTypes.TradeNew, EventTypes.TradeClose, EventTypes.TradeLiquidation, EventTypes.WebhookDisabled],
                IsActive: true, Filters: new TradeFilters(Markets: ["SOL-PERP"], Wallets: [Wallet]), RateLimit: 5), "200",
            new WebhookEnvelope(Webhook with
            {
                Events = [EventTypes.TradeNew, EventTypes.TradeClose, EventTypes.TradeLiquidation, EventTypes.WebhookDisabled],
                Filters = new TradeFilters(Markets: ["SOL-PERP"], Wallets: [Wallet]),
                RateLimit = 5,
            })),
        ["DELETE /api/webhooks/{id}"] = (null, "200", new MessageEnvelope("Webhook deleted; nothing more is delivered to it.")),
        ["POST /api/webhooks/{id}/regenerate-secret"] = (new RegenerateSecretRequest(GracePeriodHours: 24), "200",
            new WebhookWithSecretEnvelope(WebhookWithSecretResponse.From(Webhook with { PreviousSecretExpiresAt = Created.AddHours(24) }, Secret),
                "Secret regenerated; deliveries are signed with it, and the old secret also signs webhook-signature until 2025-01-16T10:30:00Z. Save your secret - it will only be shown once!")),
        ["POST /api/webhooks/{id}/test"] = (new TestWebhookRequest(EventTypes.TradeNew), "200",
            new TestResultEnvelope(new TestResultResponse(DeliveryId, EventId, EventTypes.TradeNew, true, 200, 87.4, null, "OK"))),
        ["GET /api/webhooks/{id}/deliveries"] = (null, "200", new DeliveryListEnvelope([Delivery], null)),
        ["GET /api/webhooks/{id}/deliveries/{deliveryId}"] = (null, "200",
            new DeliveryDetailEnvelope(Delivery, [new AttemptResponse(1, Created.AddSeconds(1), 200, 87.4, null, "OK")],
                $$$"""{"id":"{{{EventId}}}","type":"trade.new","created":1736937000,"data":{"owner":"{{{Wallet}}}","marketSymbol":"SOL-PERP","side":"long","sizeUsd":15000.5,"leverage":5.2,"entryPrice":185.42,"collateral":2884.71,"timestamp":"2025-01-15T10:30:00Z"}}""")),
        ["POST /api/webhooks/{id}/deliveries/{deliveryId}/redeliver"] = (null, "202",
            new DeliveryEnvelope(Delivery with { Status = DeliveryStatus.Pending, NextAttemptAt = Created.AddMinutes(5) })),
        ["POST /api/webhooks/{id}/recover"] = (new RecoverRequest(Created.AddDays(-1)), "202", new RecoverEnvelope(3)),
        ["GET /api/webhooks/{id}/stats"] = (null, "200", new WebhookStatsEnvelope(new WebhookStatsResponse(WebhookId, Created,
            new DeliverySummary(1440, 1422, 12, 1, 5, 0.9916, Created.AddSeconds(-2)),
            [.. Enumerable.Range(0, 60).Select(i => new MinuteCounts(Created.AddMinutes(i - 60), 24, i % 20 == 0 ? 1 : 0, 0, 0))],
            new AttemptDurations(1452, 42.7, 311.9)))),
        ["POST /api/trades"] = (Trade, "202", new AcceptedEventsEnvelope([new AcceptedEvent(EventId)])),
    };

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (!Examples.TryGetValue(OperationRoute.Of(context), out var example))
        {
            return Task.CompletedTask;
        }

        var options = json.Value.SerializerOptions;
        if (example.Request is not null && operation.RequestBody?.Content?.TryGetValue("application/json", out var request) == true)
        {
            request.Example = WithoutNulls(JsonSerializer.SerializeToNode(example.Request, example.Request.GetType(), options));
        }
        if (operation.Responses?.TryGetValue(example.Status, out var response) == true
            && response.Content?.TryGetValue("application/json", out var body) == true)
        {
            body.Example = JsonSerializer.SerializeToNode(example.Response, example.Response.GetType(), options);
        }
        return Task.CompletedTask;
    }

    /// <summary>A request example shows only what a client sends: optional fields left out, not sent as null.</summary>
    private static JsonNode? WithoutNulls(JsonNode? node)
    {
        if (node is JsonObject members)
        {
            foreach (var name in members.Where(m => m.Value is null).Select(m => m.Key).ToList())
            {
                members.Remove(name);
            }
            foreach (var (_, value) in members)
            {
                WithoutNulls(value);
            }
        }
        return node;
    }
}
