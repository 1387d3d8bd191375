using Npgsql;
using Perps.Api.Contracts;

namespace Perps.Api.Data;

internal sealed class WalletStore(NpgsqlDataSource dataSource)
{
    /// <summary>Adds the wallet to the caller's watchlist; null when it is already there.</summary>
    public async Task<WalletResponse?> AddAsync(string apiKeyId, string address, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO wallets (api_key_id, address) VALUES ($1, $2)
            ON CONFLICT DO NOTHING
            RETURNING address, created_at
            """);
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = address });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1)) : null;
    }

    public async Task<List<WalletResponse>> ListAsync(string apiKeyId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT address, created_at FROM wallets WHERE api_key_id = $1 ORDER BY created_at, address");
        command.Parameters.Add(new() { Value = apiKeyId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var wallets = new List<WalletResponse>();
        while (await reader.ReadAsync(cancellationToken))
        {
            wallets.Add(new(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1)));
        }
        return wallets;
    }

    /// <summary>Every watched address once, the most recently watched first (the demo feed favours them), at most <paramref name="limit"/>.</summary>
    public async Task<List<string>> ListWatchedAddressesAsync(int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT address FROM wallets
            GROUP BY address
            ORDER BY max(created_at) DESC, address
            LIMIT $1
            """);
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var addresses = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            addresses.Add(reader.GetString(0));
        }
        return addresses;
    }

    public async Task<bool> RemoveAsync(string apiKeyId, string address, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM wallets WHERE api_key_id = $1 AND address = $2");
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = address });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }
}
