using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Perps.Api.Alerts;
using Perps.Api.Auth;
using Perps.Webhooks.Events;

namespace Perps.Api.Apis;

/// <summary>
/// <c>GET /api/events</c>: the alerts a key's connection would have received, over REST, as far back as events are
/// kept (further than the replay window): what a bot told <c>resync_required</c> reads, then resumes from the last
/// cursor it read here.
/// </summary>
public static class EventsApi
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    public static RouteHandlerBuilder MapEventsApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/events", ListEvents)
            .RequireAuthorization(AuthSchemes.ApiKey)
            .WithTags("Alerts")
            .WithSummary("List the watched wallets' events")
            .WithDescription("In alert order, each exactly as an alert frame (the webhook body plus its cursor). Start with since " +
                "(a time), continue with after (the last cursor read); limit 1 to 1,000 (100 by default). The watchlist is today's.")
            .Produces<EventPageDocument>(contentType: "application/json");

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> ListEvents(
        ClaimsPrincipal user, AlertLog log, AlertHub hub, CancellationToken ct,
        DateTimeOffset? since = null, string? after = null, int limit = DefaultPageSize)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            return Problems.BadRequest("limit", $"must be between 1 and {MaxPageSize}");
        }
        if ((since is null) == (after is null))
        {
            return Problems.BadRequest("since", "give since (a time, for the first page) or after (a cursor, for the next), not both");
        }
        var from = AlertPosition.Start;
        if (after is not null)
        {
            if (!AlertCursor.TryParse(after, out var epoch, out from))
            {
                return Problems.BadRequest("after", "is not a cursor this service gave");
            }
            if (epoch != hub.Epoch)
            {
                return Problems.BadRequest("after", "is a cursor of an event log that no longer exists; start again with since");
            }
        }

        var head = await log.HeadAsync(ct);
        var events = since is { } time
            ? await log.SinceAsync(user.ApiKeyId(), time, head, limit, ct)
            : await log.ReplayAsync(user.ApiKeyId(), [.. EventTypes.All], from, head, limit, ct);
        return TypedResults.Text(Page(events, hub.Epoch, limit), "application/json", Encoding.UTF8);
    }

    /// <summary>The stored bodies go out as they are: the envelope is written around them, not re-serialized.</summary>
    private static string Page(List<LoggedEvent> events, string epoch, int limit)
    {
        var json = new StringBuilder("{\"success\":true,\"events\":[");
        for (var i = 0; i < events.Count; i++)
        {
            json.Append(i == 0 ? "" : ",").Append(AlertFrames.AlertText(events[i], epoch));
        }
        json.Append("],\"next_after\":");
        json.Append(events.Count == limit ? $"\"{AlertCursor.Format(epoch, events[^1].Position)}\"" : "null");
        return json.Append('}').ToString();
    }

    /// <summary>For the OpenAPI document: the page's shape.</summary>
    internal sealed record EventPageDocument(bool Success, IReadOnlyList<object> Events, string? NextAfter);
}
