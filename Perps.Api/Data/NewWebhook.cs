namespace Perps.Api.Data;

/// <summary>What <see cref="WebhookStore.CreateAsync"/> stores of a new webhook, beside its id, owner and sealed secret.</summary>
/// <param name="Filters">Null: every event of the types is delivered.</param>
/// <param name="RateLimit">Null: no limit.</param>
internal sealed record NewWebhook(string Url, string[] Events, TradeFilterColumns? Filters, int? RateLimit);
