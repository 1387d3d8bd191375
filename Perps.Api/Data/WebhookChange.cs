namespace Perps.Api.Data;

/// <summary>What <see cref="WebhookStore.UpdateAsync"/> changes: a null member leaves its column as it is.</summary>
/// <param name="IsActive">Any value ends an automatic disable; true also clears the disabled state and the failure streak.</param>
/// <param name="Filters">Replaces every filter column; one with no condition removes them all.</param>
/// <param name="RateLimit">0 removes the limit.</param>
internal sealed record WebhookChange(string? Url, string[]? Events, bool? IsActive, TradeFilterColumns? Filters, int? RateLimit);
