using System.Data.Common;
using Npgsql;

namespace Perps.Api.Data;

/// <summary>Narrows a delivery list: each member set keeps only the deliveries that match it.</summary>
internal sealed record DeliveryFilter(string? Status, string? EventType);

/// <summary>A webhook's delivery history, scoped by owner. What changes a delivery is in <see cref="Perps.Webhooks.Lifecycle"/>.</summary>
internal sealed class DeliveryStore(NpgsqlDataSource dataSource)
{
    private const string Columns = """
        d.id, d.event_id, e.type, d.status, d.attempts, d.last_status_code, d.last_error,
        d.created_at, d.last_attempt_at, d.next_attempt_at
        """;

    private const string OwnedBy = "JOIN webhooks w ON w.id = d.webhook_id AND w.api_key_id = $1 JOIN events e ON e.id = d.event_id";

    public async Task<(List<DeliveryRow> Page, DeliveryCursor? Next)> ListAsync(
        string apiKeyId, string webhookId, DeliveryFilter filter, int limit, DeliveryCursor? after, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns} FROM deliveries d {OwnedBy}
            WHERE d.webhook_id = $2 AND ($3::timestamptz IS NULL OR (d.created_at, d.id) < ($3, $4))
              AND ($6::text IS NULL OR d.status = $6) AND ($7::text IS NULL OR e.type = $7)
            ORDER BY d.created_at DESC, d.id DESC
            LIMIT $5
            """);
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?> { TypedValue = after?.CreatedAt, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = after?.Id, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = limit + 1 });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = filter.Status, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = filter.EventType, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var page = new List<DeliveryRow>(limit + 1);
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

    public async Task<DeliveryRow?> GetAsync(string apiKeyId, string webhookId, string deliveryId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM deliveries d {OwnedBy} WHERE d.webhook_id = $2 AND d.id = $3");
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new() { Value = deliveryId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Map(reader) : null;
    }

    /// <summary>The exact body the event's deliveries send; null once retention has removed the event.</summary>
    public async Task<string?> GetPayloadAsync(string eventId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT body FROM events WHERE id = $1");
        command.Parameters.Add(new() { Value = eventId });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task<List<AttemptRow>> ListAttemptsAsync(string deliveryId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT attempt, attempted_at, status_code, duration_ms, error, response_body
            FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt
            """);
        command.Parameters.Add(new() { Value = deliveryId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var attempts = new List<AttemptRow>();
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

    private static DeliveryRow Map(DbDataReader reader) => new(
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
