using System.Text.Json.Serialization;

namespace Perps.Api.Contracts;

/// <summary>One trade as the ingestion feed sends it; <c>id</c> is optional and makes the send idempotent.</summary>
public sealed record TradeEventRequest(string Type, TradeDataRequest Data, string? Id = null);

/// <summary>Field names are the payload's own (camelCase), not the management API's snake_case.</summary>
public sealed record TradeDataRequest(
    [property: JsonPropertyName("owner")] string Owner,
    [property: JsonPropertyName("marketSymbol")] string MarketSymbol,
    [property: JsonPropertyName("side")] string Side,
    [property: JsonPropertyName("sizeUsd")] double SizeUsd,
    [property: JsonPropertyName("leverage")] double Leverage,
    [property: JsonPropertyName("entryPrice")] double EntryPrice,
    [property: JsonPropertyName("collateral")] double Collateral,
    [property: JsonPropertyName("timestamp")] string Timestamp,
    [property: JsonPropertyName("exitPrice")] double? ExitPrice = null,
    [property: JsonPropertyName("pnlUsd")] double? PnlUsd = null);

public sealed record AcceptedEvent(string Id);

public sealed record AcceptedEventsEnvelope(IReadOnlyList<AcceptedEvent> Events) : Envelope;
