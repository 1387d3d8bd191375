using Microsoft.Extensions.Options;
using Npgsql;

namespace Perps.Api.Data;

internal sealed class WalletStore(NpgsqlDataSource dataSource, IOptions<QuotaOptions> quotas)
{
    /// <summary>
    /// Adds the wallet to the caller's watchlist, unless it is already there or the watchlist already holds
    /// <see cref="QuotaOptions.MaxWalletsPerKey"/> wallets.
    /// </summary>
    public async Task<Added<WalletRow>> AddAsync(string apiKeyId, string address, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await KeyQuota.LockOwnerAsync(connection, transaction, apiKeyId, cancellationToken);

        var limit = quotas.Value.MaxWalletsPerKey;
        await using (var count = new NpgsqlCommand(
            "SELECT count(*), coalesce(bool_or(address = $2), false) FROM wallets WHERE api_key_id = $1", connection, transaction))
        {
            count.Parameters.Add(new() { Value = apiKeyId });
            count.Parameters.Add(new() { Value = address });
            await using var reader = await count.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var (watched, present) = (reader.GetInt64(0), reader.GetBoolean(1));
            if (present)
            {
                return new Added<WalletRow>.AlreadyThere();
            }
            if (watched >= limit)
            {
                return new Added<WalletRow>.QuotaReached(watched, limit);
            }
        }

        await using var command = new NpgsqlCommand("""
            INSERT INTO wallets (api_key_id, address) VALUES ($1, $2)
            ON CONFLICT DO NOTHING
            RETURNING address, created_at
            """, connection, transaction);
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = address });
        WalletRow? wallet;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            wallet = await reader.ReadAsync(cancellationToken) ? new(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1)) : null;
        }
        await transaction.CommitAsync(cancellationToken);
        return wallet is null ? new Added<WalletRow>.AlreadyThere() : new Added<WalletRow>.Created(wallet);
    }

    public async Task<List<WalletRow>> ListAsync(string apiKeyId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT address, created_at FROM wallets WHERE api_key_id = $1 ORDER BY created_at, address");
        command.Parameters.Add(new() { Value = apiKeyId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var wallets = new List<WalletRow>();
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

    /// <summary>Those of <paramref name="addresses"/> not on the key's watchlist.</summary>
    public async Task<List<string>> NotWatchedAsync(string apiKeyId, string[] addresses, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT a FROM unnest($2::text[]) AS a
            WHERE NOT EXISTS (SELECT 1 FROM wallets w WHERE w.api_key_id = $1 AND w.address = a)
            """);
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = addresses });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var missing = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            missing.Add(reader.GetString(0));
        }
        return missing;
    }

    public async Task<bool> RemoveAsync(string apiKeyId, string address, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM wallets WHERE api_key_id = $1 AND address = $2");
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = address });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }
}
