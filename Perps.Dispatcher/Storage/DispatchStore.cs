using Microsoft.Extensions.Options;
using Npgsql;
using Perps.Webhooks.Delivery;

namespace Perps.Dispatcher.Storage;

/// <summary>
/// The dispatcher's queries. Postgres is the record of truth: a delivery is claimed here (attempt number taken,
/// leased until <see cref="DeliveryOptions.AttemptLease"/>) before it is sent, so a crash mid-request is retried
/// once the lease runs out, and two replicas never send the same attempt.
/// </summary>
internal sealed class DispatchStore(NpgsqlDataSource dataSource, IOptions<DeliveryOptions> options)
{
    public const string CancelledByDisable = "cancelled: the webhook is disabled";

    private const string JobColumns = "c.id, c.webhook_id, w.url, w.secret, e.type, e.body, c.attempts, c.attempts - c.round_start, e.id, e.created_at";

    /// <summary>
    /// Creates one delivery per (event, matching webhook) and claims its first attempt. Matching starts from the
    /// wallet index, so it costs what the watchers of that wallet cost. An event already fanned out yields nothing,
    /// and a pair never gets two deliveries: the delivery id is derived from the pair (SHA-256 of
    /// <c>event id/webhook id</c>; webhook ids hold no '/'), so the primary key keeps it unique.
    /// </summary>
    public async Task<List<(DeliveryJob Job, string EventId)>> FanOutAsync(IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        // The result joins the tables by key, never one CTE to another: CTEs carry no statistics, and a prepared
        // statement's generic plan would compare every delivery with every event of the batch.
        await using var command = dataSource.CreateCommand($"""
            WITH fresh AS (
                UPDATE events SET fanned_out_at = now()
                WHERE id = ANY($1) AND fanned_out_at IS NULL
                RETURNING id, type, owner
            ), c AS (
                INSERT INTO deliveries (id, event_id, webhook_id, status, attempts, last_attempt_at, next_attempt_at)
                SELECT 'dlv_' || left(encode(sha256(convert_to(e.id || '/' || w.id, 'UTF8')), 'hex'), 24),
                       e.id, w.id, 'pending', 1, now(), now() + $2
                FROM fresh e
                JOIN wallets wl ON wl.address = e.owner
                JOIN webhooks w ON w.api_key_id = wl.api_key_id AND w.is_active AND e.type = ANY (w.events)
                ON CONFLICT (id) DO NOTHING
                RETURNING id, event_id, webhook_id, attempts, round_start
            )
            SELECT {JobColumns}
            FROM c JOIN webhooks w ON w.id = c.webhook_id JOIN events e ON e.id = c.event_id
            """);
        command.Parameters.Add(new() { Value = eventIds.ToArray() });
        command.Parameters.Add(new() { Value = options.Value.AttemptLease });
        return await ReadJobsAsync(command, cancellationToken);
    }

    /// <summary>
    /// Claims deliveries that are due: retries whose wait is over, redeliveries, recoveries, and attempts whose
    /// dispatcher died (lease expired). Deliveries of disabled webhooks are cancelled instead.
    /// </summary>
    public async Task<List<(DeliveryJob Job, string EventId)>> ClaimDueAsync(int limit, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        var cancel = new NpgsqlBatchCommand("""
            UPDATE deliveries d SET status = 'failed', last_error = $1, next_attempt_at = NULL
            FROM webhooks w
            WHERE w.id = d.webhook_id AND NOT w.is_active AND d.status = 'pending' AND d.next_attempt_at <= now()
            """);
        cancel.Parameters.Add(new() { Value = CancelledByDisable });
        var claim = new NpgsqlBatchCommand($"""
            WITH due AS (
                SELECT d.id FROM deliveries d
                WHERE d.status = 'pending' AND d.next_attempt_at <= now()
                ORDER BY d.next_attempt_at
                LIMIT $1
                FOR UPDATE SKIP LOCKED
            ), c AS (
                UPDATE deliveries d SET attempts = d.attempts + 1, last_attempt_at = now(), next_attempt_at = now() + $2
                FROM due WHERE d.id = due.id
                RETURNING d.id, d.event_id, d.webhook_id, d.attempts, d.round_start
            )
            SELECT {JobColumns}
            FROM c JOIN webhooks w ON w.id = c.webhook_id JOIN events e ON e.id = c.event_id
            """);
        claim.Parameters.Add(new() { Value = limit });
        claim.Parameters.Add(new() { Value = options.Value.AttemptLease });
        batch.BatchCommands.Add(cancel);
        batch.BatchCommands.Add(claim);

        // Npgsql's reader skips results without rows: it starts on the claim's.
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return await ReadJobsAsync(reader, cancellationToken);
    }

    /// <summary>Events stored but not fanned out well after they were accepted: their stream entry was lost.</summary>
    public async Task<List<string>> FindStrandedEventsAsync(int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id FROM events WHERE fanned_out_at IS NULL AND created_at <= now() - $1
            ORDER BY created_at LIMIT $2
            """);
        command.Parameters.Add(new() { Value = options.Value.FanOutGrace });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    /// <summary>Gives claimed attempts that were never sent back: due now, attempt number returned.</summary>
    public async Task HandBackAsync(IReadOnlyCollection<string> deliveryIds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE deliveries SET attempts = attempts - 1, next_attempt_at = now()
            WHERE id = ANY($1) AND status = 'pending'
            """);
        command.Parameters.Add(new() { Value = deliveryIds.ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<List<(DeliveryJob, string)>> ReadJobsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await ReadJobsAsync(reader, cancellationToken);
    }

    private static async Task<List<(DeliveryJob, string)>> ReadJobsAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var jobs = new List<(DeliveryJob, string)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            jobs.Add((new DeliveryJob(
                DeliveryId: reader.GetString(0),
                WebhookId: reader.GetString(1),
                Url: reader.GetString(2),
                SealedSecret: reader.GetFieldValue<byte[]>(3),
                EventType: reader.GetString(4),
                Body: reader.GetString(5),
                Attempt: reader.GetInt32(6),
                AttemptInRound: reader.GetInt32(7),
                EventStoredAt: reader.GetFieldValue<DateTimeOffset>(9)), reader.GetString(8)));
        }
        return jobs;
    }
}
