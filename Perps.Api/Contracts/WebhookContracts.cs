using System.Text.Json.Serialization;
using Perps.Api.Data;

namespace Perps.Api.Contracts;

/// <param name="Filters">Trade conditions an event must meet to be delivered; absent: every event of the types.</param>
/// <param name="RateLimit">At most this many deliveries per second to the endpoint; absent: no limit.</param>
public sealed record CreateWebhookRequest(string Url, string[] Events, TradeFilters? Filters = null, int? RateLimit = null)
{
    internal NewWebhook ToNewWebhook() => new(Url, Events, Filters?.ToColumns(), RateLimit);
}

/// <summary>
/// Only the fields present change. <c>filters</c> replaces the whole set (<c>{}</c> removes every condition);
/// <c>rate_limit</c> 0 removes the limit.
/// </summary>
public sealed record UpdateWebhookRequest(string? Url = null, string[]? Events = null, bool? IsActive = null,
    TradeFilters? Filters = null, int? RateLimit = null)
{
    internal WebhookChange ToChange() => new(Url, Events, IsActive, Filters?.ToColumns(), RateLimit);
}

/// <summary>
/// Trade filters: every condition given must hold for a trade event to be delivered; an absent one matches every
/// trade. Operational events (<c>webhook.disabled</c>) are not trades and are not filtered.
/// </summary>
/// <param name="Markets">Market symbols, e.g. SOL-PERP.</param>
/// <param name="Sides">long, short.</param>
/// <param name="MinSizeUsd">The position's size in USD is at least this.</param>
/// <param name="MinLeverage">The leverage is at least this.</param>
/// <param name="Wallets">Wallets of the key's watchlist whose trades are delivered.</param>
public sealed record TradeFilters(
    string[]? Markets = null,
    string[]? Sides = null,
    double? MinSizeUsd = null,
    double? MinLeverage = null,
    string[]? Wallets = null)
{
    internal TradeFilterColumns ToColumns() => new(Markets, Sides, MinSizeUsd, MinLeverage, Wallets);

    internal static TradeFilters? From(TradeFilterColumns? columns) => columns is null ? null
        : new(columns.Markets, columns.Sides, columns.MinSizeUsd, columns.MinLeverage, columns.Wallets);
}

/// <summary>A webhook as every route shows it. It has no secret field, so no route can leak one by accident.</summary>
/// <param name="Filters">Null when the webhook has no trade filter.</param>
/// <param name="PreviousSecretExpiresAt">While a rotated-out secret still signs (see regenerate-secret): when it stops.</param>
public sealed record WebhookResponse(
    string Id,
    string Url,
    string[] Events,
    bool IsActive,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? DisabledAt,
    string? DisabledReason,
    TradeFilters? Filters = null,
    int? RateLimit = null,
    DateTimeOffset? PreviousSecretExpiresAt = null)
{
    internal static WebhookResponse From(WebhookRow row) =>
        new(row.Id, row.Url, row.Events, row.IsActive, row.CreatedAt, row.UpdatedAt, row.DisabledAt, row.DisabledReason,
            TradeFilters.From(row.Filters), row.RateLimit, row.PreviousSecretExpiresAt);
}

/// <summary>The webhook with its secret: the answer of creation and of secret regeneration only.</summary>
public sealed record WebhookWithSecretResponse(
    string Id,
    string Url,
    string[] Events,
    bool IsActive,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string Secret,
    TradeFilters? Filters,
    int? RateLimit,
    DateTimeOffset? PreviousSecretExpiresAt)
{
    public static WebhookWithSecretResponse From(WebhookResponse webhook, string secret) =>
        new(webhook.Id, webhook.Url, webhook.Events, webhook.IsActive, webhook.CreatedAt, webhook.UpdatedAt, secret,
            webhook.Filters, webhook.RateLimit, webhook.PreviousSecretExpiresAt);
}

/// <summary>
/// Optional body of <c>POST /api/webhooks/{id}/regenerate-secret</c>: how long the old secret keeps signing beside
/// the new one (0 to 168 hours, 24 without a body); 0 revokes it at once.
/// </summary>
public sealed record RegenerateSecretRequest(int? GracePeriodHours = null)
{
    public const int DefaultHours = 24;
    public const int MaxHours = 168;
}

/// <summary>How an endpoint has been doing: its deliveries of the last 24 hours and its current failure streak.</summary>
/// <param name="Deliveries24h">Deliveries created in the last 24 hours, in any state.</param>
/// <param name="Succeeded24h">Of those, succeeded.</param>
/// <param name="Failed24h">Of those, failed for good (retries used up, cancelled, or the endpoint gone).</param>
/// <param name="LastSuccessAt">The last attempt that succeeded, within the history kept.</param>
/// <param name="LastFailureAt">The last attempt that failed, within the history kept.</param>
/// <param name="ConsecutiveFailures">Failed deliveries in a row now: at the disable threshold, the endpoint is disabled.</param>
/// <param name="FailingSince">When the current streak started.</param>
public sealed record WebhookHealth(
    [property: JsonPropertyName("deliveries_24h")] long Deliveries24h,
    [property: JsonPropertyName("succeeded_24h")] long Succeeded24h,
    [property: JsonPropertyName("failed_24h")] long Failed24h,
    DateTimeOffset? LastSuccessAt,
    DateTimeOffset? LastFailureAt,
    int ConsecutiveFailures,
    DateTimeOffset? FailingSince)
{
    internal static WebhookHealth From(WebhookHealthFigures figures) =>
        new(figures.Deliveries24h, figures.Succeeded24h, figures.Failed24h, figures.LastSuccessAt, figures.LastFailureAt,
            figures.ConsecutiveFailures, figures.FailingSince);
}

public sealed record WebhookEnvelope(WebhookResponse Webhook) : Envelope;

/// <summary>One webhook with its health figures: the answer of <c>GET /api/webhooks/{id}</c>.</summary>
public sealed record WebhookDetailEnvelope(WebhookResponse Webhook, WebhookHealth Health) : Envelope;

public sealed record WebhookWithSecretEnvelope(WebhookWithSecretResponse Webhook, string Message) : Envelope;

public sealed record WebhookListEnvelope(IReadOnlyList<WebhookResponse> Webhooks) : Envelope;
