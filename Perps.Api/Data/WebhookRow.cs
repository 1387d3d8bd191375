namespace Perps.Api.Data;

/// <summary>
/// A webhook as <see cref="WebhookStore"/> reads it: every column a user may see. The secrets are not here; only
/// <see cref="WebhookStore.GetSealedSecretAsync"/> reads one, to sign a test event.
/// </summary>
/// <param name="Filters">Null when no filter column holds a condition.</param>
/// <param name="RateLimit">Deliveries per second at most; null: no limit.</param>
/// <param name="PreviousSecretExpiresAt">While a rotated-out secret still signs: when it stops; null otherwise.</param>
internal sealed record WebhookRow(
    string Id,
    string Url,
    string[] Events,
    bool IsActive,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? DisabledAt,
    string? DisabledReason,
    TradeFilterColumns? Filters,
    int? RateLimit,
    DateTimeOffset? PreviousSecretExpiresAt);
