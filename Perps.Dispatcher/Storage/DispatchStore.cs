using Microsoft.Extensions.Options;
using Npgsql;
using Perps.Webhooks.Delivery;

namespace Perps.Dispatcher.Storage;

/// <summary>
/// The dispatcher's queries. Postgres is the record of truth: a delivery is claimed here (attempt number taken,
/// leased until <see cref="DeliveryOptions.AttemptLease"/>) before it is sent, so a crash mid-request is retried
/// once the lease runs out, and two replicas never send the same attempt. Every change to a claimed delivery is
/// guarded by its attempt number: a replica whose lease was taken over changes nothing.
/// </summary>
internal sealed class DispatchStore(NpgsqlDataSource dataSource, IOptions<DeliveryOptions> options)
{
    public const string CancelledByDisable = "cancelled: the webhook is disabled";
    public const string SkippedWhileDisabled = "skipped: the webhook was disabled automatically when the event arrived; recover sends it";
    public const string GaveUp = "gave up: no result could be recorded for the last attempts";

    /// <summary>The most first attempts one fan-out claims: more deliveries are created, due now, for the scheduler.</summary>
    public const int FanOutClaimLimit = 4096;

    private const string JobColumns = "c.id, c.webhook_id, w.url, w.secret, e.type, e.body, c.attempts, c.attempts - c.round_start, e.id, e.created_at, w.api_key_id";

    /// <summary>
    /// Creates one delivery per (event, matching webhook) and claims the first attempts (at most
    /// <see cref="FanOutClaimLimit"/>). Matching starts from the wallet index, so it costs what the watchers of that
    /// wallet cost. A webhook disabled automatically gets its delivery as <c>skipped</c>, so its owner can recover it;
    /// one its owner disabled gets none. An event already fanned out yields nothing, and a pair never gets two
    /// deliveries: the delivery id is derived from the pair (SHA-256 of <c>event id/webhook id</c>; webhook ids hold
    /// no '/'), so the primary key keeps it unique.
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
            ), matched AS (
                SELECT e.id AS event_id, w.id AS webhook_id, w.is_active AS send, row_number() OVER () <= $3 AS claim
                FROM fresh e
                JOIN wallets wl ON wl.address = e.owner
                JOIN webhooks w ON w.api_key_id = wl.api_key_id AND (w.is_active OR w.auto_disabled) AND e.type = ANY (w.events)
            ), c AS (
                INSERT INTO deliveries (id, event_id, webhook_id, status, attempts, last_error, last_attempt_at, next_attempt_at)
                SELECT 'dlv_' || left(encode(sha256(convert_to(m.event_id || '/' || m.webhook_id, 'UTF8')), 'hex'), 24),
                       m.event_id, m.webhook_id,
                       CASE WHEN m.send THEN 'pending' ELSE 'skipped' END,
                       CASE WHEN m.send AND m.claim THEN 1 ELSE 0 END,
                       CASE WHEN m.send THEN NULL ELSE $4 END,
                       CASE WHEN m.send AND m.claim THEN now() END,
                       CASE WHEN NOT m.send THEN NULL WHEN m.claim THEN now() + $2 ELSE now() END
                FROM matched m
                ON CONFLICT (id) DO NOTHING
                RETURNING id, event_id, webhook_id, attempts, round_start
            )
            SELECT {JobColumns}
            FROM c JOIN webhooks w ON w.id = c.webhook_id JOIN events e ON e.id = c.event_id
            WHERE c.attempts = 1
            """);
        command.Parameters.Add(new() { Value = eventIds.ToArray() });
        command.Parameters.Add(new() { Value = options.Value.AttemptLease });
        command.Parameters.Add(new() { Value = (long)FanOutClaimLimit });
        command.Parameters.Add(new() { Value = SkippedWhileDisabled });
        return await ReadJobsAsync(command, cancellationToken);
    }

    /// <summary>
    /// Claims deliveries that are due: retries whose wait is over, redeliveries, recoveries, first attempts beyond a
    /// fan-out's claim, deferred attempts, and attempts whose dispatcher died (lease expired). Deliveries of disabled
    /// webhooks are cancelled instead, and a delivery whose round has used every attempt, plus one for a dispatcher
    /// that died mid-attempt, is given up: no delivery is sent again and again for ever.
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
        var giveUp = new NpgsqlBatchCommand("""
            UPDATE deliveries SET status = 'failed', last_error = $1, next_attempt_at = NULL
            WHERE status = 'pending' AND next_attempt_at <= now() AND attempts - round_start >= $2
            """);
        giveUp.Parameters.Add(new() { Value = GaveUp });
        giveUp.Parameters.Add(new() { Value = options.Value.AttemptsPerRound + 1 });
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
        batch.BatchCommands.Add(giveUp);
        batch.BatchCommands.Add(claim);

        // Npgsql's reader skips results without rows: it starts on the claim's.
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return await ReadJobsAsync(reader, cancellationToken);
    }

    /// <summary>Renews the lease of a claimed attempt about to be sent; false when it is no longer this replica's to send.</summary>
    public async Task<bool> RenewLeaseAsync(DeliveryJob job, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE deliveries SET next_attempt_at = now() + $3
            WHERE id = $1 AND attempts = $2 AND status = 'pending'
            """);
        command.Parameters.Add(new() { Value = job.DeliveryId });
        command.Parameters.Add(new() { Value = job.Attempt });
        command.Parameters.Add(new() { Value = options.Value.AttemptLease });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
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

    /// <summary>
    /// Gives claimed attempts that were never sent back, due after <paramref name="delay"/>, attempt number returned.
    /// Only attempts still this replica's: one taken over since is left to its new owner.
    /// </summary>
    public async Task HandBackAsync(IReadOnlyCollection<DeliveryJob> jobs, TimeSpan delay, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE deliveries d SET attempts = d.attempts - 1, next_attempt_at = now() + $3
            FROM unnest($1::text[], $2::int[]) AS h(id, attempt)
            WHERE d.id = h.id AND d.attempts = h.attempt AND d.status = 'pending'
            """);
        command.Parameters.Add(new() { Value = jobs.Select(j => j.DeliveryId).ToArray() });
        command.Parameters.Add(new() { Value = jobs.Select(j => j.Attempt).ToArray() });
        command.Parameters.Add(new() { Value = delay });
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
                EventStoredAt: reader.GetFieldValue<DateTimeOffset>(9),
                TenantId: reader.GetString(10)), reader.GetString(8)));
        }
        return jobs;
    }
}
