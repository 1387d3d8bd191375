using Microsoft.Extensions.Options;
using Npgsql;

namespace Perps.Webhooks.Lifecycle;

/// <summary>
/// Removes what is older than <see cref="RetentionOptions.Age"/>, a small batch per transaction, through indexes the
/// hot path keeps anyway: deliveries (their attempts go with them) webhook by webhook in creation order, then events
/// in position order. Events are kept an hour longer than deliveries, so a delivery never outlives its event. The
/// space freed is reused by new rows (autovacuum), so the tables stop growing at about the retention age's worth.
/// Replicas running it together take turns batch by batch (a transaction-scoped advisory lock).
/// </summary>
public sealed class Retention(NpgsqlDataSource dataSource, IOptions<RetentionOptions> options)
{
    private const long LockKey = 0x5045_5250_5301; // "PERPS" + 1
    private static readonly TimeSpan EventsOutliveDeliveries = TimeSpan.FromHours(1);

    /// <summary>Removes one batch of aged deliveries; returns how many (0 when none is left, or another replica holds the turn).</summary>
    public Task<int> RemoveDeliveriesAsync(CancellationToken cancellationToken) => RemoveAsync("""
        DELETE FROM deliveries WHERE ctid = ANY (ARRAY(
            SELECT d.ctid FROM webhooks w
            CROSS JOIN LATERAL (
                SELECT ctid FROM deliveries WHERE webhook_id = w.id AND created_at < now() - $1 ORDER BY created_at LIMIT $2
            ) d
            LIMIT $2))
        """, options.Value.Age, cancellationToken);

    /// <summary>
    /// Removes one batch of aged events (and webhook tests' events); returns how many. It looks at the oldest batch by
    /// position only (the first rows of <c>events_by_position</c>) and at those rows' own <c>fan_out_awaiting</c>
    /// entries, so on a young database, where it finds nothing, it costs one short index read however large the
    /// tables are. (The form before, a semi-join on position and a NOT IN over the whole of <c>fan_out_awaiting</c>,
    /// was seen reading from disk for 4.5 s a minute once the soak's database passed 5 GB.)
    /// </summary>
    public Task<int> RemoveEventsAsync(CancellationToken cancellationToken) => RemoveAsync("""
        DELETE FROM events WHERE ctid = ANY (ARRAY(
            SELECT oldest.ctid
            FROM (SELECT ctid, id, created_at FROM events ORDER BY accepted_xid, seq LIMIT $2) oldest
            WHERE oldest.created_at < now() - $1
              AND NOT EXISTS (SELECT 1 FROM fan_out_awaiting a WHERE a.event_id = oldest.id)))
        """, options.Value.Age + EventsOutliveDeliveries, cancellationToken);

    private async Task<int> RemoveAsync(string sql, TimeSpan age, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var turn = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock($1)", connection, transaction))
        {
            turn.Parameters.Add(new() { Value = LockKey });
            if (!(bool)(await turn.ExecuteScalarAsync(cancellationToken))!)
            {
                return 0;
            }
        }
        await using var remove = new NpgsqlCommand(sql, connection, transaction);
        remove.Parameters.Add(new() { Value = age });
        remove.Parameters.Add(new() { Value = options.Value.BatchSize });
        var removed = await remove.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return removed;
    }
}
