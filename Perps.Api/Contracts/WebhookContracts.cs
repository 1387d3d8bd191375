namespace Perps.Api.Contracts;

public sealed record CreateWebhookRequest(string Url, string[] Events);

/// <summary>Only the fields present change.</summary>
public sealed record UpdateWebhookRequest(string? Url = null, string[]? Events = null, bool? IsActive = null);

/// <summary>A webhook as every route shows it. It has no secret field, so no route can leak one by accident.</summary>
public sealed record WebhookResponse(
    string Id,
    string Url,
    string[] Events,
    bool IsActive,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? DisabledAt,
    string? DisabledReason);

/// <summary>The webhook with its secret: the answer of creation and of secret regeneration only.</summary>
public sealed record WebhookWithSecretResponse(
    string Id,
    string Url,
    string[] Events,
    bool IsActive,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string Secret)
{
    public static WebhookWithSecretResponse From(WebhookResponse webhook, string secret) =>
        new(webhook.Id, webhook.Url, webhook.Events, webhook.IsActive, webhook.CreatedAt, webhook.UpdatedAt, secret);
}

public sealed record WebhookEnvelope(WebhookResponse Webhook) : Envelope;

public sealed record WebhookWithSecretEnvelope(WebhookWithSecretResponse Webhook, string Message) : Envelope;

public sealed record WebhookListEnvelope(IReadOnlyList<WebhookResponse> Webhooks) : Envelope;
