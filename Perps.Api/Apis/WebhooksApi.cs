using System.Diagnostics;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Perps.Api.Auth;
using Perps.Api.Contracts;
using Perps.Api.Data;
using Perps.Api.OpenApi;
using Perps.Api.Validation;
using Perps.Webhooks;
using Perps.Webhooks.Lifecycle;
using Perps.Webhooks.Secrets;
using Perps.Webhooks.Signing;

namespace Perps.Api.Apis;

/// <summary>A user's webhook endpoints: create, read, change, delete, and rotate the signing secret.</summary>
public static class WebhooksApi
{
    private const string SecretNotice = "Save your secret - it will only be shown once!";

    public static RouteGroupBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/webhooks").RequireAuthorization(AuthSchemes.ApiKey).WithTags("Webhooks");

        api.MapPost("/", CreateWebhook).Validates<CreateWebhookRequest>()
            .WithSummary("Create a webhook").WithDescription("The signing secret (whsec_...) is shown in this answer and on regeneration only.")
            .WithExample(ApiExamples.CreateWebhook, 201, ApiExamples.WebhookCreated);
        api.MapGet("/", ListWebhooks).WithSummary("List webhooks").WithExample(200, ApiExamples.Webhooks);
        api.MapGet("/{id}", GetWebhook).WithSummary("Get a webhook").WithExample(200, ApiExamples.WebhookDetail);
        api.MapPut("/{id}", UpdateWebhook).Validates<UpdateWebhookRequest>()
            .WithSummary("Update a webhook").WithDescription("Only the fields sent change; \"is_active\": true re-enables a disabled webhook.")
            .WithExample(ApiExamples.UpdateWebhook, 200, ApiExamples.WebhookUpdated);
        api.MapDelete("/{id}", DeleteWebhook).WithSummary("Delete a webhook").WithExample(200, ApiExamples.WebhookDeleted);
        api.MapPost("/{id}/regenerate-secret", RegenerateSecret).WithSummary("Regenerate the signing secret")
            .WithDescription("Optional body {\"grace_period_hours\": 0..168} (24 without one): for that long the old secret also signs the Standard Webhooks header; 0 revokes it at once.")
            .WithOptionalBody<RegenerateSecretRequest>("Optional: grace_period_hours (0 to 168, 24 without a body): how long the old secret also signs webhook-signature; 0 revokes it at once.")
            .WithExample(ApiExamples.RegenerateSecret, 200, ApiExamples.SecretRegenerated);

        return api;
    }

    private static async Task<Results<Created<WebhookWithSecretEnvelope>, ProblemHttpResult>> CreateWebhook(
        CreateWebhookRequest request, ClaimsPrincipal user, WebhookStore webhooks, WalletStore wallets, SecretProtector secrets, CancellationToken ct)
    {
        if (await UnwatchedFilterWalletAsync(request.Filters, user.ApiKeyId(), wallets, ct) is { } unwatched)
        {
            return unwatched;
        }
        var secret = WebhookSignature.NewSecret();
        // The id is made here, not by the insert: the sealed secret is bound to it.
        var id = Ids.New(Ids.Webhook);
        var webhook = await webhooks.CreateAsync(id, user.ApiKeyId(), request.ToNewWebhook(), secrets.Seal(secret, id), ct);
        return webhook switch
        {
            Added<WebhookRow>.Created(var created) => TypedResults.Created($"/api/webhooks/{created.Id}",
                new WebhookWithSecretEnvelope(WebhookWithSecretResponse.From(WebhookResponse.From(created), secret), $"Webhook created. {SecretNotice}")),
            Added<WebhookRow>.QuotaReached(var count, var limit) => Problems.QuotaReached("webhooks", count, limit),
            _ => throw new UnreachableException(),
        };
    }

    private static async Task<Ok<WebhookListEnvelope>> ListWebhooks(ClaimsPrincipal user, WebhookStore webhooks, CancellationToken ct) =>
        TypedResults.Ok(new WebhookListEnvelope((await webhooks.ListAsync(user.ApiKeyId(), ct)).Select(WebhookResponse.From).ToList()));

    private static async Task<Results<Ok<WebhookDetailEnvelope>, ProblemHttpResult>> GetWebhook(
        string id, ClaimsPrincipal user, WebhookStore webhooks, CancellationToken ct) =>
        await webhooks.GetAsync(user.ApiKeyId(), id, ct) is { } webhook && await webhooks.GetHealthAsync(user.ApiKeyId(), id, ct) is { } health
            ? TypedResults.Ok(new WebhookDetailEnvelope(WebhookResponse.From(webhook), WebhookHealth.From(health)))
            : Problems.NotFound("Webhook", id);

    private static async Task<Results<Ok<WebhookEnvelope>, ProblemHttpResult>> UpdateWebhook(
        string id, UpdateWebhookRequest request, ClaimsPrincipal user, WebhookStore webhooks, WalletStore wallets, CancellationToken ct)
    {
        if (await UnwatchedFilterWalletAsync(request.Filters, user.ApiKeyId(), wallets, ct) is { } unwatched)
        {
            return unwatched;
        }
        return await webhooks.UpdateAsync(user.ApiKeyId(), id, request.ToChange(), ct) is { } webhook
            ? TypedResults.Ok(new WebhookEnvelope(WebhookResponse.From(webhook)))
            : Problems.NotFound("Webhook", id);
    }

    private static async Task<Results<Ok<MessageEnvelope>, ProblemHttpResult>> DeleteWebhook(
        string id, ClaimsPrincipal user, WebhookDeletion deletion, CancellationToken ct) =>
        await deletion.DeleteAsync(user.ApiKeyId(), id, ct)
            ? TypedResults.Ok(new MessageEnvelope("Webhook deleted; nothing more is delivered to it."))
            : Problems.NotFound("Webhook", id);

    /// <summary>
    /// Rotates the secret. The body is optional (no body: a 24-hour grace period), so it is read here rather than
    /// bound, and validated like every other body.
    /// </summary>
    private static async Task<Results<Ok<WebhookWithSecretEnvelope>, ValidationProblem, ProblemHttpResult>> RegenerateSecret(
        string id, HttpRequest http, ClaimsPrincipal user, WebhookStore webhooks, SecretProtector secrets,
        IRequestValidator<RegenerateSecretRequest> validator, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var request = await OptionalBody.ReadAsync<RegenerateSecretRequest>(http, json.Value.SerializerOptions, ct) ?? new RegenerateSecretRequest();
        var errors = new ValidationErrors();
        validator.Validate(request, errors);
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary(), detail: errors.Summary());
        }
        var grace = TimeSpan.FromHours(request.GracePeriodHours ?? RegenerateSecretRequest.DefaultHours);
        var secret = WebhookSignature.NewSecret();
        return await webhooks.ReplaceSecretAsync(user.ApiKeyId(), id, secrets.Seal(secret, id), grace, ct) is { } webhook
            ? TypedResults.Ok(new WebhookWithSecretEnvelope(WebhookWithSecretResponse.From(WebhookResponse.From(webhook), secret), grace > TimeSpan.Zero
                ? $"Secret regenerated; deliveries are signed with it, and the old secret also signs webhook-signature until {webhook.PreviousSecretExpiresAt:yyyy-MM-ddTHH:mm:ssZ}. {SecretNotice}"
                : $"Secret regenerated; deliveries from now on are signed with it only (the old secret is revoked). {SecretNotice}"))
            : Problems.NotFound("Webhook", id);
    }

    /// <summary>A 400 when the filters name a wallet the key does not watch (the filter is a subset of the watchlist).</summary>
    private static async Task<ProblemHttpResult?> UnwatchedFilterWalletAsync(TradeFilters? filters, string apiKeyId, WalletStore wallets, CancellationToken ct)
    {
        if (filters?.Wallets is not { Length: > 0 } addresses)
        {
            return null;
        }
        var missing = await wallets.NotWatchedAsync(apiKeyId, addresses, ct);
        return missing.Count == 0 ? null
            : Problems.BadRequest("filters.wallets", $"{EventListRules.Truncate(missing[0])} is not on your watchlist; watch it first (POST /api/wallets)");
    }
}
