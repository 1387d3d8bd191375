using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Perps.Api.Auth;
using Perps.Api.Contracts;
using Perps.Api.Data;
using Perps.Api.OpenApi;
using Perps.Webhooks;
using Perps.Webhooks.Delivery;
using Perps.Webhooks.Events;
using Perps.Webhooks.Lifecycle;

namespace Perps.Api.Apis;

/// <summary>What happened to a webhook's deliveries, and the levers to act on it: test, redeliver, recover.</summary>
public static class DeliveriesApi
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    public static RouteGroupBuilder MapDeliveriesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/webhooks/{id}").RequireAuthorization(AuthSchemes.ApiKey).WithTags("Deliveries");

        api.MapPost("/test", TestWebhook)
            .WithSummary("Send a test event now").WithDescription("A signed sample event, sent and recorded like any delivery; the answer says how the endpoint responded.")
            .WithOptionalBody<TestWebhookRequest>("Optional: the event type of the sample to send (a trade event type the webhook subscribes to); trade.new without a body.")
            .WithExample(ApiExamples.TestWebhook, 200, ApiExamples.TestResult);
        api.MapGet("/deliveries", ListDeliveries)
            .WithSummary("List deliveries").WithDescription("Newest first, limit 1 to 100 (20 by default); pass next_cursor as cursor for the next page. " +
                "Optionally only those of one status (pending, succeeded, failed, skipped) and one event_type.")
            .WithExample(200, ApiExamples.Deliveries);
        api.MapGet("/deliveries/{deliveryId}", GetDelivery).WithSummary("Get a delivery with its attempts")
            .WithDescription("With the payload: the exact body its attempts sent.")
            .WithExample(200, ApiExamples.DeliveryDetail);
        api.MapPost("/deliveries/{deliveryId}/redeliver", Redeliver)
            .WithSummary("Redeliver a finished delivery").WithDescription("Same X-Delivery-ID, next X-Delivery-Attempt.")
            .WithExample(202, ApiExamples.Redelivered);
        api.MapPost("/recover", Recover).WithSummary("Re-queue failed deliveries since a time")
            .WithDescription("Failed deliveries, and those skipped while the webhook was disabled automatically, created since the given time.")
            .WithExample(ApiExamples.Recover, 202, ApiExamples.Recovered);

        return api;
    }

    /// <summary>A signed sample event, sent now and recorded like any delivery (<see cref="TestSends"/>).</summary>
    private static async Task<Results<Ok<TestResultEnvelope>, ProblemHttpResult>> TestWebhook(
        string id, HttpRequest http, ClaimsPrincipal user, WebhookStore webhooks, TestSends tests, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var request = await OptionalBody.ReadAsync<TestWebhookRequest>(http, json.Value.SerializerOptions, ct) ?? new TestWebhookRequest();
        var apiKeyId = user.ApiKeyId();
        if (await webhooks.GetAsync(apiKeyId, id, ct) is not { } webhook || await webhooks.GetSealedSecretAsync(apiKeyId, id, ct) is not { } secret)
        {
            return Problems.NotFound("Webhook", id);
        }
        var type = request.Type ?? EventTypes.TradeNew;
        if (!webhook.Events.Contains(type, StringComparer.Ordinal) || !EventTypes.IsKnown(type))
        {
            return Problems.BadRequest("type", $"must be a trade event type this webhook subscribes to: {string.Join(", ", webhook.Events.Where(EventTypes.IsKnown))}");
        }
        if (await tests.SendAsync(apiKeyId, webhook.Id, webhook.Url, secret, type, ct) is not { } sent)
        {
            return Problems.NotFound("Webhook", id);
        }
        var outcome = sent.Outcome;
        return TypedResults.Ok(new TestResultEnvelope(new TestResultResponse(sent.DeliveryId, sent.EventId, type, outcome.Succeeded,
            outcome.StatusCode, outcome.Duration.TotalMilliseconds, outcome.Error, outcome.ResponseBody)));
    }

    private static async Task<Results<Ok<DeliveryListEnvelope>, ProblemHttpResult>> ListDeliveries(
        string id, int? limit, string? cursor, string? status, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "event_type")] string? eventType,
        ClaimsPrincipal user, WebhookStore webhooks, DeliveryStore deliveries, CancellationToken ct)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            return Problems.BadRequest("limit", $"must be between 1 and {MaxPageSize}");
        }
        if (status is not null && !DeliveryStatus.All.Contains(status, StringComparer.Ordinal))
        {
            return Problems.BadRequest("status", $"must be one of {string.Join(", ", DeliveryStatus.All)}");
        }
        if (eventType is not null && !EventTypes.IsKnown(eventType))
        {
            return Problems.BadRequest("event_type", $"must be one of {string.Join(", ", EventTypes.All)}");
        }
        if (!DeliveryCursor.TryDecode(cursor, out var after))
        {
            return Problems.BadRequest("cursor", "is not a cursor this API returned");
        }
        var apiKeyId = user.ApiKeyId();
        if (await FindWebhookAsync(webhooks, apiKeyId, id, mustBeActive: false, ct) is { } problem)
        {
            return problem;
        }
        var (page, next) = await deliveries.ListAsync(apiKeyId, id, new DeliveryFilter(status, eventType), limit ?? DefaultPageSize, after, ct);
        return TypedResults.Ok(new DeliveryListEnvelope(page.Select(DeliveryResponse.From).ToList(), next?.Encode()));
    }

    private static async Task<Results<Ok<DeliveryDetailEnvelope>, ProblemHttpResult>> GetDelivery(
        string id, string deliveryId, ClaimsPrincipal user, DeliveryStore deliveries, CancellationToken ct)
    {
        if (await deliveries.GetAsync(user.ApiKeyId(), id, deliveryId, ct) is not { } delivery)
        {
            return Problems.NotFound("Delivery", deliveryId);
        }
        var attempts = await deliveries.ListAttemptsAsync(deliveryId, ct);
        return TypedResults.Ok(new DeliveryDetailEnvelope(DeliveryResponse.From(delivery), attempts.Select(AttemptResponse.From).ToList(),
            await deliveries.GetPayloadAsync(delivery.EventId, ct)));
    }

    private static async Task<Results<Accepted<DeliveryEnvelope>, ProblemHttpResult>> Redeliver(
        string id, string deliveryId, ClaimsPrincipal user, WebhookStore webhooks, DeliveryStore deliveries, ManualDeliveries manual, CancellationToken ct)
    {
        var apiKeyId = user.ApiKeyId();
        if (await FindWebhookAsync(webhooks, apiKeyId, id, mustBeActive: true, ct) is { } problem)
        {
            return problem;
        }
        var requeued = await manual.RedeliverAsync(apiKeyId, id, deliveryId, ct);
        return (requeued, await deliveries.GetAsync(apiKeyId, id, deliveryId, ct)) switch
        {
            (_, null) => Problems.NotFound("Delivery", deliveryId),
            (true, { } delivery) => TypedResults.Accepted($"/api/webhooks/{id}/deliveries/{deliveryId}", new DeliveryEnvelope(DeliveryResponse.From(delivery))),
            (false, _) => Problems.Conflict("Delivery in progress", "This delivery is still pending; it can be redelivered once it has finished."),
        };
    }

    private static async Task<Results<Accepted<RecoverEnvelope>, ProblemHttpResult>> Recover(
        string id, RecoverRequest request, ClaimsPrincipal user, WebhookStore webhooks, ManualDeliveries manual, CancellationToken ct)
    {
        var apiKeyId = user.ApiKeyId();
        if (await FindWebhookAsync(webhooks, apiKeyId, id, mustBeActive: true, ct) is { } problem)
        {
            return problem;
        }
        var requeued = await manual.RecoverAsync(apiKeyId, id, request.Since, ct);
        return TypedResults.Accepted($"/api/webhooks/{id}/deliveries", new RecoverEnvelope(requeued));
    }

    /// <summary>The opening every route here shares: null when the caller has webhook <paramref name="id"/> (active,
    /// when <paramref name="mustBeActive"/>), else the problem to answer with.</summary>
    private static async Task<ProblemHttpResult?> FindWebhookAsync(WebhookStore webhooks, string apiKeyId, string id, bool mustBeActive, CancellationToken ct) =>
        await webhooks.GetAsync(apiKeyId, id, ct) switch
        {
            null => Problems.NotFound("Webhook", id),
            { IsActive: false } when mustBeActive =>
                Problems.Conflict("Webhook inactive", "This webhook is disabled; re-enable it (PUT is_active: true) before resending."),
            _ => null,
        };
}
