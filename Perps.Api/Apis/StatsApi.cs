using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Perps.Api.Auth;
using Perps.Api.Contracts;
using Perps.Api.Data;
using Perps.Api.OpenApi;

namespace Perps.Api.Apis;

/// <summary>A webhook's delivery figures at a glance: what a dashboard draws, without fetching the history.</summary>
public static class StatsApi
{
    public static RouteGroupBuilder MapStatsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/webhooks/{id}").RequireAuthorization(AuthSchemes.ApiKey).WithTags("Deliveries");

        api.MapGet("/stats", GetStats).WithSummary("Delivery figures of a webhook")
            .WithDescription("The last 24 hours' deliveries by outcome with the success rate and the last delivery's time; " +
                "the last hour's deliveries per minute by outcome (60 minutes, oldest first); the attempt duration's p50 and p99 " +
                "over the last hour's deliveries. Deliveries count by when they were created; an outcome is a delivery's current status.")
            .WithExample(200, ApiExamples.Stats);

        return api;
    }

    private static async Task<Results<Ok<WebhookStatsEnvelope>, ProblemHttpResult>> GetStats(
        string id, ClaimsPrincipal user, WebhookStore webhooks, DeliveryStatsStore stats, CancellationToken ct) =>
        await webhooks.GetAsync(user.ApiKeyId(), id, ct) is null
            ? Problems.NotFound("Webhook", id)
            : TypedResults.Ok(new WebhookStatsEnvelope(WebhookStatsResponse.From(id, await stats.GetAsync(id, ct))));
}
