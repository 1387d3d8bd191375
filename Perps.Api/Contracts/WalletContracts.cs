using Perps.Api.Data;

namespace Perps.Api.Contracts;

public sealed record AddWalletRequest(string Address);

public sealed record WalletResponse(string Address, DateTimeOffset CreatedAt)
{
    internal static WalletResponse From(WalletRow row) => new(row.Address, row.CreatedAt);
}

public sealed record WalletEnvelope(WalletResponse Wallet) : Envelope;

public sealed record WalletListEnvelope(IReadOnlyList<WalletResponse> Wallets) : Envelope;
