using Npgsql;

namespace Perps.Api.Alerts;

/// <summary>A stored event as the alert channel reads it, with the API keys watching its wallet.</summary>
internal sealed record LoggedEvent(
    AlertPosition Position, bool IsFinal, string Id, string Type, string Body, DateTimeOffset StoredAt, string? TraceParent, string[] Watchers)
{
    /// <summary>What trade filters test; null for an event stored before trades had these columns.</summary>
    public TradeFacts? Facts { get; init; }
}

/// <summary>The facts of a trade its filters test: the wallet, market, side, size in USD and leverage.</summary>
internal sealed record TradeFacts(string Owner, string Market, string Side, double SizeUsd, double Leverage);

/// <summary>
/// The alert channel's reads of the durable event record (<c>events</c>, in position order). A position is final
/// once its transaction id is below the oldest transaction still running: nothing can commit before it any more,
/// so readers that stop at the first position that is not final never skip an event that commits late.
/// </summary>
internal sealed class AlertLog(NpgsqlDataSource dataSource)
{
    // An uncorrelated subquery, so Postgres takes the snapshot once per statement, not once per row.
    private const string Horizon = "(SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint)";

    private const string FactColumns = "e.owner, e.market, e.side, e.size_usd, e.leverage";

    private string? _epoch;

    /// <summary>The name of this event log, made once by the schema migration.</summary>
    public async Task<string> EpochAsync(CancellationToken cancellationToken)
    {
        if (_epoch is null)
        {
            await using var command = dataSource.CreateCommand("SELECT epoch FROM event_log");
            _epoch = (string)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        return _epoch;
    }

    /// <summary>The last final position (the start of the log when it is empty).</summary>
    public async Task<AlertPosition> HeadAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT accepted_xid, seq FROM events WHERE accepted_xid < {Horizon}
            ORDER BY accepted_xid DESC, seq DESC LIMIT 1
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new AlertPosition(reader.GetInt64(0), reader.GetInt64(1)) : AlertPosition.Start;
    }

    /// <summary>
    /// The events after <paramref name="after"/>, in order, each with the active API keys watching its wallet now
    /// (none for a webhook test's event).
    /// Final ones come first; the first that is not final says more are committed but not yet safe to pass on.
    /// </summary>
    public async Task<List<LoggedEvent>> ReadAfterAsync(AlertPosition after, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT e.accepted_xid, e.seq, e.accepted_xid < {Horizon}, e.id, e.type, e.body, e.created_at, e.trace_parent, {FactColumns},
                   CASE WHEN e.is_test THEN ARRAY[]::text[] ELSE
                       ARRAY(SELECT w.api_key_id FROM wallets w JOIN api_keys k ON k.id = w.api_key_id AND k.revoked_at IS NULL
                             WHERE w.address = e.owner) END
            FROM events e
            WHERE (e.accepted_xid, e.seq) > ($1, $2)
            ORDER BY e.accepted_xid, e.seq
            LIMIT $3
            """);
        command.Parameters.Add(new() { Value = after.Xid });
        command.Parameters.Add(new() { Value = after.Seq });
        command.Parameters.Add(new() { Value = limit });
        return await ReadEventsAsync(command, withWatchers: true, cancellationToken);
    }

    /// <summary>
    /// One key's events in (<paramref name="after"/>, <paramref name="upTo"/>] of the given types, for the wallets it
    /// watches now, in order: what a resuming connection missed.
    /// </summary>
    public async Task<List<LoggedEvent>> ReplayAsync(
        string apiKeyId, string[] types, AlertPosition after, AlertPosition upTo, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT e.accepted_xid, e.seq, true, e.id, e.type, e.body, e.created_at, e.trace_parent, {FactColumns}
            FROM events e
            WHERE e.owner IN (SELECT address FROM wallets WHERE api_key_id = $1)
              AND e.type = ANY ($2) AND NOT e.is_test
              AND (e.accepted_xid, e.seq) > ($3, $4) AND (e.accepted_xid, e.seq) <= ($5, $6)
            ORDER BY e.accepted_xid, e.seq
            LIMIT $7
            """);
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = types });
        command.Parameters.Add(new() { Value = after.Xid });
        command.Parameters.Add(new() { Value = after.Seq });
        command.Parameters.Add(new() { Value = upTo.Xid });
        command.Parameters.Add(new() { Value = upTo.Seq });
        command.Parameters.Add(new() { Value = limit });
        return await ReadEventsAsync(command, withWatchers: false, cancellationToken);
    }

    /// <summary>
    /// One key's events (of its watched wallets now) stored since <paramref name="since"/>, in position order, up to
    /// the last final position: the first page of what a client that must resync reads over REST.
    /// </summary>
    public async Task<List<LoggedEvent>> SinceAsync(string apiKeyId, DateTimeOffset since, AlertPosition upTo, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT e.accepted_xid, e.seq, true, e.id, e.type, e.body, e.created_at, e.trace_parent, {FactColumns}
            FROM events e
            WHERE e.owner IN (SELECT address FROM wallets WHERE api_key_id = $1)
              AND NOT e.is_test AND e.created_at >= $2
              AND (e.accepted_xid, e.seq) <= ($3, $4)
            ORDER BY e.accepted_xid, e.seq
            LIMIT $5
            """);
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = since.ToUniversalTime() });
        command.Parameters.Add(new() { Value = upTo.Xid });
        command.Parameters.Add(new() { Value = upTo.Seq });
        command.Parameters.Add(new() { Value = limit });
        return await ReadEventsAsync(command, withWatchers: false, cancellationToken);
    }

    /// <summary>
    /// Whether a resume from <paramref name="position"/> is inside the replay window: the oldest event the client
    /// missed (the first after the cursor) is younger than <paramref name="window"/>, or fewer than
    /// <paramref name="events"/> events came after it. The cursor's own age does not matter: a welcome cursor names
    /// the last event stored, however long ago. Null when no event has that position (a cursor this log never gave).
    /// </summary>
    public async Task<bool?> IsWithinWindowAsync(AlertPosition position, TimeSpan window, long events, CancellationToken cancellationToken)
    {
        await using var age = dataSource.CreateCommand("""
            SELECT $1 = 0 OR EXISTS (SELECT 1 FROM events WHERE accepted_xid = $1 AND seq = $2),
                   COALESCE((SELECT created_at > now() - $3 FROM events WHERE (accepted_xid, seq) > ($1, $2)
                             ORDER BY accepted_xid, seq LIMIT 1), true)
            """);
        age.Parameters.Add(new() { Value = position.Xid });
        age.Parameters.Add(new() { Value = position.Seq });
        age.Parameters.Add(new() { Value = window });
        await using (var reader = await age.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            if (!reader.GetBoolean(0))
            {
                return null;
            }
            if (reader.GetBoolean(1))
            {
                return true; // nothing missed yet, or the oldest missed event is younger than the window
            }
        }
        await using var count = dataSource.CreateCommand("""
            SELECT count(*) FROM (SELECT 1 FROM events WHERE (accepted_xid, seq) > ($1, $2) LIMIT $3 + 1) later
            """);
        count.Parameters.Add(new() { Value = position.Xid });
        count.Parameters.Add(new() { Value = position.Seq });
        count.Parameters.Add(new() { Value = events });
        return (long)(await count.ExecuteScalarAsync(cancellationToken))! < events; // fewer than ReplayEvents came after it
    }

    private static async Task<List<LoggedEvent>> ReadEventsAsync(NpgsqlCommand command, bool withWatchers, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<LoggedEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new LoggedEvent(
                new AlertPosition(reader.GetInt64(0), reader.GetInt64(1)),
                reader.GetBoolean(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.GetString(5),
                reader.GetFieldValue<DateTimeOffset>(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                withWatchers ? reader.GetFieldValue<string[]>(13) : [])
            {
                Facts = reader.IsDBNull(9) ? null
                    : new TradeFacts(reader.GetString(8), reader.GetString(9), reader.GetString(10), reader.GetDouble(11), reader.GetDouble(12)),
            });
        }
        return events;
    }
}
