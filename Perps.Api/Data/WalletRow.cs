namespace Perps.Api.Data;

/// <summary>A wallet on a key's watchlist, and since when.</summary>
internal sealed record WalletRow(string Address, DateTimeOffset CreatedAt);
