using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Perps.Api.Auth;
using Perps.Api.Contracts;
using Perps.Api.Data;
using Perps.Api.Errors;
using Perps.Api.OpenApi;
using Perps.Api.RateLimits;
using Perps.Api.Validation;

namespace Perps.Api.Apis;

/// <summary>Ingestion, behind <c>X-Ingest-Key</c>: trades come in, are stored durably, and are queued for fan-out.</summary>
public static class TradesApi
{
    public const int MaxBatch = 1000;

    public static RouteGroupBuilder MapTradesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/trades").RequireAuthorization(AuthSchemes.Ingest).WithTags("Ingestion");

        api.MapPost("/", IngestTrades)
            .WithSummary("Ingest trades").WithDescription("One event or an array of up to 1,000; 202 once every event is stored. An id already stored is not stored again.")
            .WithOneOrManyBody<TradeEventRequest>(MaxBatch,
                $"One trade event, or an array of 1 to {MaxBatch}. An event whose id is already stored is not stored (or delivered) again.")
            .WithExample(ApiExamples.Trade, 202, ApiExamples.TradeAccepted)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return api;
    }

    /// <summary>
    /// One event or an array of up to 1,000. Answers 202 only once every event is stored; an id seen before is not
    /// stored again. With the replica's ingest requests all in flight and none done within the queue wait, 503,
    /// having stored nothing.
    /// </summary>
    private static async Task<Results<Accepted<AcceptedEventsEnvelope>, ValidationProblem, ProblemHttpResult>> IngestTrades(
        JsonElement body, TradeIngestor ingestor, IngestCapacity capacity, HttpContext context, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var (trades, isBatch) = Read(body, json.Value.SerializerOptions);
        var errors = new ValidationErrors();
        if (trades.Length is 0 or > MaxBatch)
        {
            errors.Add("events", $"must hold 1 to {MaxBatch} events");
        }
        for (var i = 0; i < trades.Length && trades.Length <= MaxBatch; i++)
        {
            TradeEventValidator.Validate(trades[i], isBatch ? $"events[{i}]" : "event", errors);
        }
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary(), detail: errors.Summary());
        }

        using var place = await capacity.EnterAsync(ct);
        if (!place.IsAcquired)
        {
            return ServiceUnavailable.Problem(context,
                $"This API replica is already storing {capacity.MaxInFlight} ingest requests and found no place for this one within {capacity.QueueWait.TotalSeconds:0.###} s; none of these events was stored.");
        }
        var stored = await ingestor.IngestAsync(trades, ct);
        return TypedResults.Accepted((string?)null, new AcceptedEventsEnvelope(stored.Select(e => new AcceptedEvent(e.Id)).ToList()));
    }

    private static (TradeEventRequest[] Trades, bool IsBatch) Read(JsonElement body, JsonSerializerOptions options)
    {
        try
        {
            return body.ValueKind switch
            {
                JsonValueKind.Array => (WithoutNulls(body.Deserialize<TradeEventRequest?[]>(options) ?? []), true),
                JsonValueKind.Object => ([body.Deserialize<TradeEventRequest>(options)!], false),
                _ => throw new JsonException("The body must be one event object or an array of events."),
            };
        }
        catch (JsonException ex)
        {
            throw new BadHttpRequestException("The request body is not a valid event or array of events.", StatusCodes.Status400BadRequest, ex);
        }
    }

    /// <summary>Nullable annotations do not reach array elements, so a <c>null</c> in the batch is refused here.</summary>
    private static TradeEventRequest[] WithoutNulls(TradeEventRequest?[] trades) =>
        trades.Select((trade, i) => trade
            ?? throw new JsonException("Each event must be an object, not null.", $"$[{i}]", lineNumber: null, bytePositionInLine: null)).ToArray();
}
