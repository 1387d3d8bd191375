using System.Diagnostics;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Perps.Api.Auth;
using Perps.Api.Contracts;
using Perps.Api.Data;
using Perps.Api.Validation;
using Perps.Webhooks;
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
            .WithSummary("Create a webhook").WithDescription("The signing secret (whsec_...) is shown in this answer and on regeneration only.");
        api.MapGet("/", ListWebhooks).WithSummary("List webhooks");
        api.MapGet("/{id}", GetWebhook).WithSummary("Get a webhook");
        api.MapPut("/{id}", UpdateWebhook).Validates<UpdateWebhookRequest>()
            .WithSummary("Update a webhook").WithDescription("Only the fields sent change; \"is_active\": true re-enables a disabled webhook.");
        api.MapDelete("/{id}", DeleteWebhook).WithSummary("Delete a webhook");
        api.MapPost("/{id}/regenerate-secret", RegenerateSecret).WithSummary("Regenerate the signing secret");

        return api;
    }

    private static async Task<Results<Created<WebhookWithSecretEnvelope>, ProblemHttpResult>> CreateWebhook(
        CreateWebhookRequest request, ClaimsPrincipal user, WebhookStore webhooks, SecretProtector secrets, CancellationToken ct)
    {
        var secret = WebhookSignature.NewSecret();
        // The id is made here, not by the insert: the sealed secret is bound to it.
        var id = Ids.New(Ids.Webhook);
        var webhook = await webhooks.CreateAsync(id, user.ApiKeyId(), request.Url, request.Events, secrets.Seal(secret, id), ct);
        return webhook switch
        {
            Added<WebhookResponse>.Created(var created) => TypedResults.Created($"/api/webhooks/{created.Id}",
                new WebhookWithSecretEnvelope(WebhookWithSecretResponse.From(created, secret), $"Webhook created. {SecretNotice}")),
            Added<WebhookResponse>.QuotaReached(var count, var limit) => Problems.QuotaReached("webhooks", count, limit),
            _ => throw new UnreachableException(),
        };
    }

    private static async Task<Ok<WebhookListEnvelope>> ListWebhooks(ClaimsPrincipal user, WebhookStore webhooks, CancellationToken ct) =>
        TypedResults.Ok(new WebhookListEnvelope(await webhooks.ListAsync(user.ApiKeyId(), ct)));

    private static async Task<Results<Ok<WebhookEnvelope>, ProblemHttpResult>> GetWebhook(
        string id, ClaimsPrincipal user, WebhookStore webhooks, CancellationToken ct) =>
        await webhooks.GetAsync(user.ApiKeyId(), id, ct) is { } webhook
            ? TypedResults.Ok(new WebhookEnvelope(webhook))
            : Problems.NotFound("Webhook", id);

    private static async Task<Results<Ok<WebhookEnvelope>, ProblemHttpResult>> UpdateWebhook(
        string id, UpdateWebhookRequest request, ClaimsPrincipal user, WebhookStore webhooks, CancellationToken ct) =>
        await webhooks.UpdateAsync(user.ApiKeyId(), id, request, ct) is { } webhook
            ? TypedResults.Ok(new WebhookEnvelope(webhook))
            : Problems.NotFound("Webhook", id);

    private static async Task<Results<Ok<MessageEnvelope>, ProblemHttpResult>> DeleteWebhook(
        string id, ClaimsPrincipal user, WebhookStore webhooks, CancellationToken ct) =>
        await webhooks.DeleteAsync(user.ApiKeyId(), id, ct)
            ? TypedResults.Ok(new MessageEnvelope("Webhook deleted; nothing more is delivered to it."))
            : Problems.NotFound("Webhook", id);

    private static async Task<Results<Ok<WebhookWithSecretEnvelope>, ProblemHttpResult>> RegenerateSecret(
        string id, ClaimsPrincipal user, WebhookStore webhooks, SecretProtector secrets, CancellationToken ct)
    {
        var secret = WebhookSignature.NewSecret();
        return await webhooks.ReplaceSecretAsync(user.ApiKeyId(), id, secrets.Seal(secret, id), ct) is { } webhook
            ? TypedResults.Ok(new WebhookWithSecretEnvelope(WebhookWithSecretResponse.From(webhook, secret),
                $"Secret regenerated; deliveries from now on are signed with it. {SecretNotice}"))
            : Problems.NotFound("Webhook", id);
    }
}
