using Npgsql;
using Perps.Api.Auth;
using Perps.Webhooks;

namespace Perps.Api.Data;

internal sealed class ApiKeyStore(NpgsqlDataSource dataSource)
{
    public async Task<IssuedApiKey> CreateAsync(string name, CancellationToken cancellationToken)
    {
        var key = new IssuedApiKey(Ids.New(Ids.ApiKey), name, ApiKeys.NewKey());
        await using var command = dataSource.CreateCommand("INSERT INTO api_keys (id, name, key_hash) VALUES ($1, $2, $3)");
        command.Parameters.Add(new() { Value = key.Id });
        command.Parameters.Add(new() { Value = key.Name });
        command.Parameters.Add(new() { Value = ApiKeys.Hash(key.Key) });
        await command.ExecuteNonQueryAsync(cancellationToken);
        return key;
    }

    /// <summary>The id of the active key whose hash matches; null for a wrong or revoked key.</summary>
    public async Task<string?> FindActiveIdAsync(string key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL");
        command.Parameters.Add(new() { Value = ApiKeys.Hash(key) });
        return (string?)await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>Which of these key ids have been revoked.</summary>
    public async Task<List<string>> RevokedAmongAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id FROM api_keys WHERE id = ANY ($1) AND revoked_at IS NOT NULL");
        command.Parameters.Add(new() { Value = ids.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var revoked = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            revoked.Add(reader.GetString(0));
        }
        return revoked;
    }

    /// <summary>Revokes the key and stops deliveries to its webhooks; false when there is no such active key.</summary>
    public async Task<bool> RevokeAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH revoked AS (
                UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id
            ), disabled AS (
                UPDATE webhooks SET is_active = false, disabled_at = now(), disabled_reason = 'api key revoked', updated_at = now()
                WHERE api_key_id IN (SELECT id FROM revoked) AND is_active
            )
            SELECT count(*) FROM revoked
            """);
        command.Parameters.Add(new() { Value = id });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! > 0;
    }
}
