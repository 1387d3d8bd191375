using System.Text.Json.Serialization;

namespace Perps.Api.Contracts;

/// <summary>Every successful answer starts with <c>"success": true</c>, as in the public guide.</summary>
public abstract record Envelope
{
    [JsonPropertyOrder(-1)]
    public bool Success { get; init; } = true;
}
