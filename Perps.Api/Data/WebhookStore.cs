using System.Data.Common;
using Microsoft.Extensions.Options;
using Npgsql;
using Perps.Api.Contracts;

namespace Perps.Api.Data;

/// <summary>A user's webhooks. Every query is scoped by the owner's API key: another user's id reads as not found.</summary>
internal sealed class WebhookStore(NpgsqlDataSource dataSource, IOptions<QuotaOptions> quotas)
{
    private const string Columns = "id, url, events, is_active, created_at, updated_at, disabled_at, disabled_reason";

    /// <summary>Creates the webhook unless the key already owns as many as <see cref="QuotaOptions.MaxWebhooksPerKey"/>.</summary>
    public async Task<Added<WebhookResponse>> CreateAsync(string id, string apiKeyId, string url, string[] events, byte[] sealedSecret, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await KeyQuota.LockOwnerAsync(connection, transaction, apiKeyId, cancellationToken);

        var limit = quotas.Value.MaxWebhooksPerKey;
        await using (var count = new NpgsqlCommand("SELECT count(*) FROM webhooks WHERE api_key_id = $1", connection, transaction))
        {
            count.Parameters.Add(new() { Value = apiKeyId });
            var owned = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
            if (owned >= limit)
            {
                return new Added<WebhookResponse>.QuotaReached(owned, limit);
            }
        }

        await using var command = new NpgsqlCommand($"""
            INSERT INTO webhooks (id, api_key_id, url, events, secret) VALUES ($1, $2, $3, $4, $5)
            RETURNING {Columns}
            """, connection, transaction);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = url });
        command.Parameters.Add(new() { Value = events });
        command.Parameters.Add(new() { Value = sealedSecret });
        var webhook = (await ReadAsync(command, cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        return new Added<WebhookResponse>.Created(webhook);
    }

    public async Task<List<WebhookResponse>> ListAsync(string apiKeyId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM webhooks WHERE api_key_id = $1 ORDER BY created_at, id");
        command.Parameters.Add(new() { Value = apiKeyId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var webhooks = new List<WebhookResponse>();
        while (await reader.ReadAsync(cancellationToken))
        {
            webhooks.Add(Map(reader));
        }
        return webhooks;
    }

    public async Task<WebhookResponse?> GetAsync(string apiKeyId, string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM webhooks WHERE api_key_id = $1 AND id = $2");
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = id });
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>
    /// Changes the given fields. Re-activating clears the disabled state and the failure streak; any change of
    /// is_active by the owner ends an automatic disable (an endpoint its owner disabled records no skipped deliveries).
    /// </summary>
    public async Task<WebhookResponse?> UpdateAsync(string apiKeyId, string id, UpdateWebhookRequest change, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE webhooks SET
                url = coalesce($3, url),
                events = coalesce($4, events),
                is_active = coalesce($5, is_active),
                auto_disabled = CASE WHEN $5 IS NULL THEN auto_disabled ELSE false END,
                disabled_at = CASE WHEN $5 THEN NULL WHEN $5 = false THEN coalesce(disabled_at, now()) ELSE disabled_at END,
                disabled_reason = CASE WHEN $5 THEN NULL WHEN $5 = false AND is_active THEN 'disabled by the user' ELSE disabled_reason END,
                consecutive_failures = CASE WHEN $5 THEN 0 ELSE consecutive_failures END,
                failing_since = CASE WHEN $5 THEN NULL ELSE failing_since END,
                updated_at = now()
            WHERE api_key_id = $1 AND id = $2
            RETURNING {Columns}
            """);
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = change.Url, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]?> { TypedValue = change.Events, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<bool?> { TypedValue = change.IsActive, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Boolean });
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>Deletes the webhook with its deliveries; queued work for it finds nothing and is dropped.</summary>
    public async Task<bool> DeleteAsync(string apiKeyId, string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM webhooks WHERE api_key_id = $1 AND id = $2");
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = id });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<WebhookResponse?> ReplaceSecretAsync(string apiKeyId, string id, byte[] sealedSecret, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE webhooks SET secret = $3, updated_at = now() WHERE api_key_id = $1 AND id = $2
            RETURNING {Columns}
            """);
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = sealedSecret });
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>The sealed secret of one of the caller's webhooks, to sign a test event.</summary>
    public async Task<byte[]?> GetSealedSecretAsync(string apiKeyId, string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT secret FROM webhooks WHERE api_key_id = $1 AND id = $2");
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = id });
        return (byte[]?)await command.ExecuteScalarAsync(cancellationToken);
    }

    private static async Task<WebhookResponse?> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Map(reader) : null;
    }

    private static WebhookResponse Map(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetFieldValue<string[]>(2),
        reader.GetBoolean(3),
        reader.GetFieldValue<DateTimeOffset>(4),
        reader.GetFieldValue<DateTimeOffset>(5),
        reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
        reader.IsDBNull(7) ? null : reader.GetString(7));
}
