namespace Perps.Api.Data;

/// <summary>A key <see cref="ApiKeyStore.CreateAsync"/> has just issued. The key itself exists here only: the table keeps its hash.</summary>
internal sealed record IssuedApiKey(string Id, string Name, string Key);
