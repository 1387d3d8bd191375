using System.Text.Json.Serialization;
using Perps.Api.Data;

namespace Perps.Api.Contracts;

public sealed record CreateApiKeyRequest(string Name);

/// <summary>The key itself is in this answer only: the service keeps nothing but its hash.</summary>
public sealed record CreatedApiKey(string Id, string Name, string Key)
{
    internal static CreatedApiKey From(IssuedApiKey key) => new(key.Id, key.Name, key.Key);
}

public sealed record CreatedApiKeyEnvelope([property: JsonPropertyName("apiKey")] CreatedApiKey ApiKey) : Envelope;

public sealed record MessageEnvelope(string Message) : Envelope;
