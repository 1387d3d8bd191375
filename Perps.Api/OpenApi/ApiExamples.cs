using Perps.Api.Contracts;
using Perps.Webhooks.Delivery;
using Perps.Webhooks.Events;
using Perps.Webhooks.Lifecycle;

namespace Perps.Api.OpenApi;

/// <summary>
/// The request and response examples of the OpenAPI document, all in one place; each route attaches its own with
/// <see cref="ExampleExtensions.WithExample(RouteHandlerBuilder, object?, int, object)"/>. They are contract records,
/// so an example cannot show a field the API does not have.
/// </summary>
internal static class ApiExamples
{
    // What the examples share. Declared first: static fields are initialized in the order they are written.
    private const string WebhookId = "wh_5f1c2a9e7b3d4c6a8e0f1b2c";
    private const string DeliveryId = "dlv_9a8b7c6d5e4f3a2b1c0d9e8f";
    private const string EventId = "evt_0a1b2c3d4e5f6a7b8c9d0e1f";
    private const string Wallet = "DRVRvzf8pSiMJi5BY1NmZu5STahBYKMVcfkPp3vxPump";
    private const string Url = "https://example.com/webhooks/perps";
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw6k7Ajqy3S7o=";
    private static readonly DateTimeOffset Created = new(2025, 1, 15, 10, 30, 0, TimeSpan.Zero);
    private static readonly string[] AllEvents = [EventTypes.TradeNew, EventTypes.TradeClose, EventTypes.TradeLiquidation, EventTypes.WebhookDisabled];
    private static readonly TradeFilters Filters = new(Markets: ["SOL-PERP", "BTC-PERP"], Sides: ["long"], MinSizeUsd: 10000, MinLeverage: 5);
    private static readonly TradeFilters UpdatedFilters = new(Markets: ["SOL-PERP"], Wallets: [Wallet]);
    private static readonly WebhookResponse Webhook =
        new(WebhookId, Url, [EventTypes.TradeNew, EventTypes.TradeClose], true, Created, Created, null, null, Filters, RateLimit: 2);
    private static readonly DeliveryResponse Delivery =
        new(DeliveryId, EventId, EventTypes.TradeNew, DeliveryStatus.Succeeded, 1, 200, null, Created, Created.AddSeconds(1), null);

    // Admin
    public static readonly CreateApiKeyRequest CreateApiKey = new("trading-bot");
    public static readonly CreatedApiKeyEnvelope ApiKeyCreated =
        new(new CreatedApiKey("key_4e5f6a7b8c9d0e1f2a3b4c5d", "trading-bot", "pk_Xr3bG9kQ2mVt7LwYp0sN4aHc8JdEf6Ui1oZyRqTnBvM"));
    public static readonly MessageEnvelope ApiKeyRevoked = new("API key revoked; its webhooks receive nothing more.");

    // Watchlist
    public static readonly AddWalletRequest AddWallet = new(Wallet);
    public static readonly WalletEnvelope WalletAdded = new(new WalletResponse(Wallet, Created));
    public static readonly WalletListEnvelope Wallets = new([new WalletResponse(Wallet, Created)]);
    public static readonly MessageEnvelope WalletRemoved = new($"{Wallet} removed from your watchlist.");

    // Webhooks
    public static readonly CreateWebhookRequest CreateWebhook = new(Url, [EventTypes.TradeNew, EventTypes.TradeClose], Filters, RateLimit: 2);
    public static readonly WebhookWithSecretEnvelope WebhookCreated =
        new(WebhookWithSecretResponse.From(Webhook, Secret), "Webhook created. Save your secret - it will only be shown once!");
    public static readonly WebhookListEnvelope Webhooks = new([Webhook]);
    public static readonly WebhookDetailEnvelope WebhookDetail = new(Webhook, new WebhookHealth(1240, 1236, 2, Created.AddHours(3), Created.AddHours(1), 0, null));
    public static readonly UpdateWebhookRequest UpdateWebhook = new(Events: AllEvents, IsActive: true, Filters: UpdatedFilters, RateLimit: 5);
    public static readonly WebhookEnvelope WebhookUpdated = new(Webhook with { Events = AllEvents, Filters = UpdatedFilters, RateLimit = 5 });
    public static readonly MessageEnvelope WebhookDeleted = new("Webhook deleted; nothing more is delivered to it.");
    public static readonly RegenerateSecretRequest RegenerateSecret = new(GracePeriodHours: 24);
    public static readonly WebhookWithSecretEnvelope SecretRegenerated =
        new(WebhookWithSecretResponse.From(Webhook with { PreviousSecretExpiresAt = Created.AddHours(24) }, Secret),
            "Secret regenerated; deliveries are signed with it, and the old secret also signs webhook-signature until 2025-01-16T10:30:00Z. Save your secret - it will only be shown once!");

    // Deliveries
    public static readonly TestWebhookRequest TestWebhook = new(EventTypes.TradeNew);
    public static readonly TestResultEnvelope TestResult = new(new TestResultResponse(DeliveryId, EventId, EventTypes.TradeNew, true, 200, 87.4, null, "OK"));
    public static readonly DeliveryListEnvelope Deliveries = new([Delivery], null);
    public static readonly DeliveryDetailEnvelope DeliveryDetail =
        new(Delivery, [new AttemptResponse(1, Created.AddSeconds(1), 200, 87.4, null, "OK")],
            $$$"""{"id":"{{{EventId}}}","type":"trade.new","created":1736937000,"data":{"owner":"{{{Wallet}}}","marketSymbol":"SOL-PERP","side":"long","sizeUsd":15000.5,"leverage":5.2,"entryPrice":185.42,"collateral":2884.71,"timestamp":"2025-01-15T10:30:00Z"}}""");
    public static readonly DeliveryEnvelope Redelivered = new(Delivery with { Status = DeliveryStatus.Pending, NextAttemptAt = Created.AddMinutes(5) });
    public static readonly RecoverRequest Recover = new(Created.AddDays(-1));
    public static readonly RecoverEnvelope Recovered = new(3);
    public static readonly WebhookStatsEnvelope Stats = new(new WebhookStatsResponse(WebhookId, Created,
        new DeliverySummary(1440, 1422, 12, 1, 5, 0.9916, Created.AddSeconds(-2)),
        [.. Enumerable.Range(0, 60).Select(i => new MinuteCounts(Created.AddMinutes(i - 60), 24, i % 20 == 0 ? 1 : 0, 0, 0))],
        new AttemptDurations(1452, 42.7, 311.9)));

    // Ingestion
    public static readonly TradeEventRequest Trade = new(EventTypes.TradeNew,
        new TradeDataRequest(Wallet, "SOL-PERP", "long", 15000.50, 5.2, 185.42, 2884.71, "2025-01-15T10:30:00Z"), EventId);
    public static readonly AcceptedEventsEnvelope TradeAccepted = new([new AcceptedEvent(EventId)]);
}
