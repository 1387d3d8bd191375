namespace Perps.Api.Contracts;

public sealed record AddWalletRequest(string Address);

public sealed record WalletResponse(string Address, DateTimeOffset CreatedAt);

public sealed record WalletEnvelope(WalletResponse Wallet) : Envelope;

public sealed record WalletListEnvelope(IReadOnlyList<WalletResponse> Wallets) : Envelope;
