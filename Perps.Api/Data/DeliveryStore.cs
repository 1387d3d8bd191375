using System.Data.Common;
using Npgsql;
using Microsoft.Extensions.Options;
using Perps.Api.Contracts;
using Perps.Webhooks;
using Perps.Webhooks.Delivery;

namespace Perps.Api.Data;

/// <summary>A webhook's delivery history and the user's levers on it: redeliver, recover, test. Scoped by owner.</summary>
internal sealed class DeliveryStore(NpgsqlDataSource dataSource, IOptions<DeliveryOptions> options)
{
    private const string Columns = """
        d.id, d.event_id, e.type, d.status, d.attempts, d.last_status_code, d.last_error,
        d.created_at, d.last_attempt_at, d.next_attempt_at
        """;

    private const string OwnedBy = "JOIN webhooks w ON w.id = d.webhook_id AND w.api_key_id = $1 JOIN events e ON e.id = d.event_id";

    public async Task<(List<DeliveryResponse> Page, DeliveryCursor? Next)> ListAsync(
        string apiKeyId, string webhookId, int limit, DeliveryCursor? after, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns} FROM deliveries d {OwnedBy}
            WHERE d.webhook_id = $2 AND ($3::timestamptz IS NULL OR (d.created_at, d.id) < ($3, $4))
            ORDER BY d.created_at DESC, d.id DESC
            LIMIT $5
            """);
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?> { TypedValue = after?.CreatedAt, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = after?.Id, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = limit + 1 });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var page = new List<DeliveryResponse>(limit + 1);
        while (await reader.ReadAsync(cancellationToken))
        {
            page.Add(Map(reader));
        }
        if (page.Count <= limit)
        {
            return (page, null);
        }
        page.RemoveAt(limit);
        return (page, new DeliveryCursor(page[^1].CreatedAt, page[^1].Id));
    }

    public async Task<DeliveryResponse?> GetAsync(string apiKeyId, string webhookId, string deliveryId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM deliveries d {OwnedBy} WHERE d.webhook_id = $2 AND d.id = $3");
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new() { Value = deliveryId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Map(reader) : null;
    }

    public async Task<List<AttemptResponse>> ListAttemptsAsync(string deliveryId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT attempt, attempted_at, status_code, duration_ms, error, response_body
            FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt
            """);
        command.Parameters.Add(new() { Value = deliveryId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var attempts = new List<AttemptResponse>();
        while (await reader.ReadAsync(cancellationToken))
        {
            attempts.Add(new(
                reader.GetInt32(0),
                reader.GetFieldValue<DateTimeOffset>(1),
                reader.IsDBNull(2) ? null : reader.GetInt32(2),
                reader.GetDouble(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }
        return attempts;
    }

    /// <summary>Puts a finished delivery back in line for a new round of attempts (same id, next attempt number).</summary>
    public async Task<DeliveryResponse?> RedeliverAsync(string apiKeyId, string webhookId, string deliveryId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH requeued AS (
                UPDATE deliveries d SET status = 'pending', round_start = d.attempts, next_attempt_at = now()
                FROM webhooks w
                WHERE d.id = $3 AND d.webhook_id = $2 AND w.id = d.webhook_id AND w.api_key_id = $1 AND d.status <> 'pending'
                RETURNING d.*
            )
            SELECT {Columns} FROM requeued d JOIN events e ON e.id = d.event_id
            """);
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new() { Value = deliveryId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Map(reader) : null;
    }

    /// <summary>
    /// Re-queues every failed delivery of the webhook created since the given time, and every one skipped while it was
    /// disabled automatically; returns how many.
    /// </summary>
    public async Task<int> RecoverAsync(string apiKeyId, string webhookId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE deliveries d SET status = 'pending', round_start = d.attempts, next_attempt_at = now()
            FROM webhooks w
            WHERE d.webhook_id = $2 AND w.id = d.webhook_id AND w.api_key_id = $1 AND d.status IN ('failed', 'skipped') AND d.created_at >= $3
            """);
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new() { Value = since.ToUniversalTime() });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Stores a test event and its one delivery, claimed as attempt 1 and leased like any claim, so the test shows in
    /// the history and, should this process die before recording it, a dispatcher sends it once the lease runs out.
    /// </summary>
    public async Task<DeliveryJob> CreateTestDeliveryAsync(WebhookResponse webhook, string apiKeyId, byte[] sealedSecret, string eventId, string type, string owner, string body, CancellationToken cancellationToken)
    {
        var deliveryId = Ids.New(Ids.Delivery);
        await using var command = dataSource.CreateCommand("""
            WITH event AS (
                INSERT INTO events (id, type, owner, body, fanned_out_at, is_test) VALUES ($1, $2, $3, $4, now(), true)
                RETURNING created_at
            ), delivery AS (
                INSERT INTO deliveries (id, event_id, webhook_id, status, attempts, last_attempt_at, next_attempt_at)
                VALUES ($5, $1, $6, 'pending', 1, now(), now() + $7)
            )
            SELECT created_at FROM event
            """);
        command.Parameters.Add(new() { Value = eventId });
        command.Parameters.Add(new() { Value = type });
        command.Parameters.Add(new() { Value = owner });
        command.Parameters.Add(new() { Value = body });
        command.Parameters.Add(new() { Value = deliveryId });
        command.Parameters.Add(new() { Value = webhook.Id });
        command.Parameters.Add(new() { Value = options.Value.AttemptLease });
        var storedAt = (DateTime)(await command.ExecuteScalarAsync(cancellationToken))!;
        return new DeliveryJob(deliveryId, webhook.Id, webhook.Url, sealedSecret, type, body, Attempt: 1, AttemptInRound: 1,
            EventStoredAt: new DateTimeOffset(storedAt, TimeSpan.Zero), TenantId: apiKeyId);
    }

    private static DeliveryResponse Map(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetString(3),
        reader.GetInt32(4),
        reader.IsDBNull(5) ? null : reader.GetInt32(5),
        reader.IsDBNull(6) ? null : reader.GetString(6),
        reader.GetFieldValue<DateTimeOffset>(7),
        reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
        reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9));
}
