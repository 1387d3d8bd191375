using Microsoft.Extensions.Options;
using Npgsql;
using Perps.Webhooks.Delivery;

namespace Perps.Webhooks.Lifecycle;

/// <summary>
/// Deliveries whose row exists and is due: retries, redeliveries, recoveries, deferred first attempts, and attempts
/// whose dispatcher died. Each is claimed here (attempt number taken, leased until
/// <see cref="DeliveryOptions.AttemptLease"/>) before it is sent, so a crash mid-request is retried once the lease
/// runs out, and two replicas never send the same attempt. Every change to a claimed delivery is guarded by its
/// attempt number: a replica whose lease was taken over changes nothing.
/// </summary>
public sealed class DueDeliveries(NpgsqlDataSource dataSource, IOptions<DeliveryOptions> options)
{
    private const string JobColumns = "c.id, e.id, c.webhook_id, w.url, w.secret, e.type, e.body, c.attempts, c.attempts - c.round_start, e.created_at, w.api_key_id, " + EventFanOut.EndpointColumns;

    /// <summary>
    /// Claims deliveries that are due: retries whose wait is over, redeliveries, recoveries, first attempts beyond a
    /// fan-out's claim, deferred attempts, and attempts whose dispatcher died (lease expired). Deliveries of disabled
    /// webhooks are cancelled instead, and a delivery whose round has used every attempt, plus one for a dispatcher
    /// that died mid-attempt, is given up: no delivery is sent again and again for ever.
    /// </summary>
    public async Task<List<DeliveryJob>> ClaimAsync(int limit, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        var cancel = new NpgsqlBatchCommand($"""
            UPDATE deliveries d SET status = '{DeliveryStatus.Failed}', last_error = $1, next_attempt_at = NULL
            FROM webhooks w
            WHERE w.id = d.webhook_id AND NOT w.is_active AND d.status = '{DeliveryStatus.Pending}' AND d.next_attempt_at <= now()
            """);
        cancel.Parameters.Add(new() { Value = DeliveryStatus.Notes.CancelledByDisable });
        var giveUp = new NpgsqlBatchCommand($"""
            UPDATE deliveries SET status = '{DeliveryStatus.Failed}', last_error = $1, next_attempt_at = NULL
            WHERE status = '{DeliveryStatus.Pending}' AND next_attempt_at <= now() AND attempts - round_start >= $2
            """);
        giveUp.Parameters.Add(new() { Value = DeliveryStatus.Notes.GaveUp });
        giveUp.Parameters.Add(new() { Value = options.Value.AttemptsPerRound + 1 });
        var claim = new NpgsqlBatchCommand($"""
            WITH due AS (
                SELECT d.id FROM deliveries d
                WHERE d.status = '{DeliveryStatus.Pending}' AND d.next_attempt_at <= now()
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
        await using var command = dataSource.CreateCommand($"""
            UPDATE deliveries SET next_attempt_at = now() + $3
            WHERE id = $1 AND attempts = $2 AND status = '{DeliveryStatus.Pending}'
            """);
        command.Parameters.Add(new() { Value = job.DeliveryId });
        command.Parameters.Add(new() { Value = job.Attempt });
        command.Parameters.Add(new() { Value = options.Value.AttemptLease });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Gives claimed attempts that were never sent back, each due after its own delay (the throttle spaces an
    /// endpoint's deliveries so), attempt number returned. Only attempts still this replica's: one taken over since is
    /// left to its new owner.
    /// </summary>
    public async Task HandBackAsync(IReadOnlyCollection<(DeliveryJob Job, TimeSpan Delay)> jobs, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE deliveries d SET attempts = d.attempts - 1, next_attempt_at = now() + h.delay
            FROM unnest($1::text[], $2::int[], $3::interval[]) AS h(id, attempt, delay)
            WHERE d.id = h.id AND d.attempts = h.attempt AND d.status = '{DeliveryStatus.Pending}'
            """);
        command.Parameters.Add(new() { Value = jobs.Select(j => j.Job.DeliveryId).ToArray() });
        command.Parameters.Add(new() { Value = jobs.Select(j => j.Job.Attempt).ToArray() });
        command.Parameters.Add(new() { Value = jobs.Select(j => j.Delay).ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<List<DeliveryJob>> ReadJobsAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var jobs = new List<DeliveryJob>();
        while (await reader.ReadAsync(cancellationToken))
        {
            jobs.Add(EventFanOut.ReadEndpoint(new DeliveryJob(
                DeliveryId: reader.GetString(0),
                EventId: reader.GetString(1),
                WebhookId: reader.GetString(2),
                Url: reader.GetString(3),
                SealedSecret: reader.GetFieldValue<byte[]>(4),
                EventType: reader.GetString(5),
                Body: reader.GetString(6),
                Attempt: reader.GetInt32(7),
                AttemptInRound: reader.GetInt32(8),
                EventStoredAt: reader.GetFieldValue<DateTimeOffset>(9),
                TenantId: reader.GetString(10)), reader, 11));
        }
        return jobs;
    }
}
