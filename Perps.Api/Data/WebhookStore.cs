using System.Data.Common;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Perps.Webhooks.Lifecycle;

namespace Perps.Api.Data;

/// <summary>A user's webhooks. Every query is scoped by the owner's API key: another user's id reads as not found.</summary>
internal sealed class WebhookStore(NpgsqlDataSource dataSource, IOptions<QuotaOptions> quotas)
{
    private const string Columns = """
        id, url, events, is_active, created_at, updated_at, disabled_at, disabled_reason,
        filter_markets, filter_sides, filter_min_size_usd, filter_min_leverage, filter_wallets, rate_limit,
        CASE WHEN previous_secret_expires_at > now() THEN previous_secret_expires_at END
        """;

    /// <summary>Creates the webhook unless the key already owns as many as <see cref="QuotaOptions.MaxWebhooksPerKey"/>.</summary>
    public async Task<Added<WebhookRow>> CreateAsync(string id, string apiKeyId, NewWebhook webhook, byte[] sealedSecret, CancellationToken cancellationToken)
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
                return new Added<WebhookRow>.QuotaReached(owned, limit);
            }
        }

        await using var command = new NpgsqlCommand($"""
            INSERT INTO webhooks (id, api_key_id, url, events, secret,
                                  filter_markets, filter_sides, filter_min_size_usd, filter_min_leverage, filter_wallets, rate_limit)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            RETURNING {Columns}
            """, connection, transaction);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = webhook.Url });
        command.Parameters.Add(new() { Value = webhook.Events });
        command.Parameters.Add(new() { Value = sealedSecret });
        AddFilterParameters(command, webhook.Filters);
        command.Parameters.Add(new NpgsqlParameter<int?> { TypedValue = webhook.RateLimit, NpgsqlDbType = NpgsqlDbType.Integer });
        var created = (await ReadAsync(command, cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        return new Added<WebhookRow>.Created(created);
    }

    public async Task<List<WebhookRow>> ListAsync(string apiKeyId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM webhooks WHERE api_key_id = $1 ORDER BY created_at, id");
        command.Parameters.Add(new() { Value = apiKeyId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var webhooks = new List<WebhookRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            webhooks.Add(Map(reader));
        }
        return webhooks;
    }

    public async Task<WebhookRow?> GetAsync(string apiKeyId, string id, CancellationToken cancellationToken)
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
    public async Task<WebhookRow?> UpdateAsync(string apiKeyId, string id, WebhookChange change, CancellationToken cancellationToken)
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
                filter_markets = CASE WHEN $6 THEN $7 ELSE filter_markets END,
                filter_sides = CASE WHEN $6 THEN $8 ELSE filter_sides END,
                filter_min_size_usd = CASE WHEN $6 THEN $9 ELSE filter_min_size_usd END,
                filter_min_leverage = CASE WHEN $6 THEN $10 ELSE filter_min_leverage END,
                filter_wallets = CASE WHEN $6 THEN $11 ELSE filter_wallets END,
                rate_limit = CASE WHEN $12 IS NULL THEN rate_limit ELSE nullif($12, 0) END,
                updated_at = now()
            WHERE api_key_id = $1 AND id = $2
            RETURNING {Columns}
            """);
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = change.Url, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]?> { TypedValue = change.Events, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<bool?> { TypedValue = change.IsActive, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Boolean });
        command.Parameters.Add(new() { Value = change.Filters is not null });
        AddFilterParameters(command, change.Filters);
        command.Parameters.Add(new NpgsqlParameter<int?> { TypedValue = change.RateLimit, NpgsqlDbType = NpgsqlDbType.Integer });
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>
    /// Puts a new secret in place. With a grace period, the secret it replaces signs beside it until the period ends
    /// (one previous secret at most: a rotation inside the window replaces it); without, it is gone at once.
    /// </summary>
    public async Task<WebhookRow?> ReplaceSecretAsync(string apiKeyId, string id, byte[] sealedSecret, TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE webhooks SET
                previous_secret = CASE WHEN $4 > interval '0' THEN secret END,
                previous_secret_expires_at = CASE WHEN $4 > interval '0' THEN now() + $4 END,
                secret = $3,
                updated_at = now()
            WHERE api_key_id = $1 AND id = $2
            RETURNING {Columns}
            """);
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = sealedSecret });
        command.Parameters.Add(new() { Value = gracePeriod });
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>
    /// The endpoint's figures: deliveries of the last 24 hours by state (the by-webhook index, newest first), the
    /// last success and failure (the newest delivery in that state, found walking the same index), and the streak.
    /// Null when the webhook is not the caller's.
    /// </summary>
    public async Task<WebhookHealthFigures?> GetHealthAsync(string apiKeyId, string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT c.total, c.succeeded, c.failed, s.last_attempt_at, f.last_attempt_at, w.consecutive_failures, w.failing_since
            FROM webhooks w
            CROSS JOIN LATERAL (
                SELECT count(*) AS total,
                       count(*) FILTER (WHERE d.status = '{DeliveryStatus.Succeeded}') AS succeeded,
                       count(*) FILTER (WHERE d.status = '{DeliveryStatus.Failed}') AS failed
                FROM deliveries d WHERE d.webhook_id = w.id AND d.created_at > now() - interval '24 hours'
            ) c
            LEFT JOIN LATERAL (
                SELECT d.last_attempt_at FROM deliveries d
                WHERE d.webhook_id = w.id AND d.status = '{DeliveryStatus.Succeeded}'
                ORDER BY d.created_at DESC, d.id DESC LIMIT 1
            ) s ON true
            LEFT JOIN LATERAL (
                SELECT d.last_attempt_at FROM deliveries d
                WHERE d.webhook_id = w.id AND d.attempts > 0 AND d.last_error IS NOT NULL
                  AND d.status IN ('{DeliveryStatus.Failed}', '{DeliveryStatus.Pending}')
                ORDER BY d.created_at DESC, d.id DESC LIMIT 1
            ) f ON true
            WHERE w.api_key_id = $1 AND w.id = $2
            """);
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new WebhookHealthFigures(
            reader.GetInt64(0),
            reader.GetInt64(1),
            reader.GetInt64(2),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3),
            reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
            reader.GetInt32(5),
            reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6));
    }

    /// <summary>The five filter columns, in order; a null set (or a null field) stores no condition.</summary>
    private static void AddFilterParameters(NpgsqlCommand command, TradeFilterColumns? filters)
    {
        command.Parameters.Add(new NpgsqlParameter<string[]?> { TypedValue = filters?.Markets, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]?> { TypedValue = filters?.Sides, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<double?> { TypedValue = filters?.MinSizeUsd, NpgsqlDbType = NpgsqlDbType.Double });
        command.Parameters.Add(new NpgsqlParameter<double?> { TypedValue = filters?.MinLeverage, NpgsqlDbType = NpgsqlDbType.Double });
        command.Parameters.Add(new NpgsqlParameter<string[]?> { TypedValue = filters?.Wallets, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
    }

    /// <summary>The sealed secret of one of the caller's webhooks, to sign a test event.</summary>
    public async Task<byte[]?> GetSealedSecretAsync(string apiKeyId, string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT secret FROM webhooks WHERE api_key_id = $1 AND id = $2");
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = id });
        return (byte[]?)await command.ExecuteScalarAsync(cancellationToken);
    }

    private static async Task<WebhookRow?> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Map(reader) : null;
    }

    private static WebhookRow Map(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetFieldValue<string[]>(2),
        reader.GetBoolean(3),
        reader.GetFieldValue<DateTimeOffset>(4),
        reader.GetFieldValue<DateTimeOffset>(5),
        reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
        reader.IsDBNull(7) ? null : reader.GetString(7),
        ReadFilters(reader),
        reader.IsDBNull(13) ? null : reader.GetInt32(13),
        reader.IsDBNull(14) ? null : reader.GetFieldValue<DateTimeOffset>(14));

    private static TradeFilterColumns? ReadFilters(DbDataReader reader)
    {
        var filters = new TradeFilterColumns(
            reader.IsDBNull(8) ? null : reader.GetFieldValue<string[]>(8),
            reader.IsDBNull(9) ? null : reader.GetFieldValue<string[]>(9),
            reader.IsDBNull(10) ? null : reader.GetDouble(10),
            reader.IsDBNull(11) ? null : reader.GetDouble(11),
            reader.IsDBNull(12) ? null : reader.GetFieldValue<string[]>(12));
        return filters == new TradeFilterColumns() ? null : filters;
    }
}
