using Microsoft.Extensions.Options;
using Npgsql;

namespace Perps.Webhooks.Lifecycle;

/// <summary>
/// Removes what is older than <see cref="RetentionOptions.Age"/>, a small batch per transaction, through indexes the
/// hot path keeps anyway: deliveries (with their attempts) webhook by webhook in creation order, then events in
/// position order. Events are kept an hour longer than deliveries, so a delivery never outlives its event. The space
/// freed is reused by new rows (autovacuum), so the tables stop growing at about the retention age's worth. Replicas
/// running it together take turns batch by batch (a transaction-scoped advisory lock).
/// </summary>
public sealed class Retention(NpgsqlDataSource dataSource, IOptions<RetentionOptions> options)
{
    private const long LockKey = 0x5045_5250_5301; // "PERPS" + 1
    private static readonly TimeSpan EventsOutliveDeliveries = TimeSpan.FromHours(1);

    /// <summary>
    /// Removes one batch of aged deliveries and their attempts; returns how many deliveries (0 when none is left, or
    /// another replica holds the turn). The attempts go in a statement of their own, after the deliveries' rows are
    /// won: a late attempt record (<see cref="DeliveryRecorder"/> locks the delivery it adds to) has then either
    /// committed, and is seen, or waits and finds its delivery gone.
    /// </summary>
    public async Task<int> RemoveDeliveriesAsync(CancellationToken cancellationToken)
    {
        await using var turn = await TakeTurnAsync(cancellationToken);
        if (turn is null)
        {
            return 0;
        }
        var removed = new List<string>();
        await using (var deliveries = turn.Command("""
            DELETE FROM deliveries WHERE ctid = ANY (ARRAY(
                SELECT d.ctid FROM webhooks w
                CROSS JOIN LATERAL (
                    SELECT ctid FROM deliveries WHERE webhook_id = w.id AND created_at < now() - $1 ORDER BY created_at LIMIT $2
                ) d
                LIMIT $2))
            RETURNING id
            """, options.Value.Age, options.Value.BatchSize))
        await using (var reader = await deliveries.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                removed.Add(reader.GetString(0));
            }
        }
        await using (var attempts = turn.Command("DELETE FROM delivery_attempts WHERE delivery_id = ANY ($1)", removed.ToArray()))
        {
            await attempts.ExecuteNonQueryAsync(cancellationToken);
        }
        await turn.Transaction.CommitAsync(cancellationToken);
        return removed.Count;
    }

    /// <summary>
    /// Removes one batch of aged events (and webhook tests' events); returns how many. It looks at the oldest batch by
    /// position only (the first rows of <c>events_by_position</c>), and reads <c>fan_out_awaiting</c> (a row per
    /// request in flight, into a hash) only once one of those is old enough to go, so on a young database, where it
    /// finds nothing, it costs one short index read however large the tables are. (A form before, a semi-join on
    /// position and a NOT IN over the whole of <c>fan_out_awaiting</c>, then a row per event, was seen reading from
    /// disk for 4.5 s a minute once the soak's database passed 5 GB.)
    /// </summary>
    public async Task<int> RemoveEventsAsync(CancellationToken cancellationToken)
    {
        await using var turn = await TakeTurnAsync(cancellationToken);
        if (turn is null)
        {
            return 0;
        }
        await using var events = turn.Command("""
            DELETE FROM events WHERE ctid = ANY (ARRAY(
                SELECT oldest.ctid
                FROM (SELECT ctid, id, created_at FROM events ORDER BY accepted_xid, seq LIMIT $2) oldest
                WHERE oldest.created_at < now() - $1
                  AND oldest.id NOT IN (SELECT unnest(a.event_ids) FROM fan_out_awaiting a)))
            """, options.Value.Age + EventsOutliveDeliveries, options.Value.BatchSize);
        var removed = await events.ExecuteNonQueryAsync(cancellationToken);
        await turn.Transaction.CommitAsync(cancellationToken);
        return removed;
    }

    /// <summary>A transaction holding this batch's turn, or null when another replica holds it.</summary>
    private async Task<Turn?> TakeTurnAsync(CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var turn = new Turn(connection, transaction);
        await using var taken = turn.Command("SELECT pg_try_advisory_xact_lock($1)", LockKey);
        if ((bool)(await taken.ExecuteScalarAsync(cancellationToken))!)
        {
            return turn;
        }
        await turn.DisposeAsync();
        return null;
    }

    /// <summary>One batch's transaction.</summary>
    private sealed record Turn(NpgsqlConnection Connection, NpgsqlTransaction Transaction) : IAsyncDisposable
    {
        /// <summary>A statement of this turn with one parameter, <c>$1</c> (an array is one parameter, as in <c>= ANY ($1)</c>).</summary>
        public NpgsqlCommand Command(string sql, object first) => Build(sql, [first]);

        /// <summary>A statement of this turn with two parameters, <c>$1</c> and <c>$2</c>.</summary>
        public NpgsqlCommand Command(string sql, object first, object second) => Build(sql, [first, second]);

        private NpgsqlCommand Build(string sql, IEnumerable<object> values)
        {
            var command = new NpgsqlCommand(sql, Connection, Transaction);
            foreach (var value in values)
            {
                command.Parameters.Add(new() { Value = value });
            }
            return command;
        }

        public async ValueTask DisposeAsync()
        {
            await Transaction.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }
}
