using Npgsql;

namespace Perps.Api.Data;

/// <summary>
/// An accepted event: its id, type, the wallet it concerns, the exact body endpoints receive, and what the webhooks'
/// trade filters test (market, side, size in USD, leverage), stored beside the body so the fan-out never parses it.
/// </summary>
internal sealed record StoredEvent(string Id, string Type, string Owner, string Body, string Market, string Side, double SizeUsd, double Leverage);

internal sealed class EventStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Stores the events in one statement, those stored now awaiting fan-out together as <paramref name="batchId"/>;
    /// an id already stored is skipped. Returns the ids stored now.
    /// <paramref name="traceParent"/> is the accepting request's trace, so an alert's span can link to it.
    /// </summary>
    public async Task<List<string>> InsertNewAsync(
        IReadOnlyList<StoredEvent> events, string batchId, string? traceParent, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH stored AS (
                INSERT INTO events (id, type, owner, body, market, side, size_usd, leverage, trace_parent)
                SELECT *, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $6::text[], $7::text[], $8::float8[], $9::float8[])
                ON CONFLICT (id) DO NOTHING
                RETURNING id
            ), awaiting AS (
                INSERT INTO fan_out_awaiting (batch_id, event_ids) SELECT $10, array_agg(id) FROM stored HAVING count(*) > 0
            )
            SELECT id FROM stored
            """);
        command.Parameters.Add(new() { Value = events.Select(e => e.Id).ToArray() });
        command.Parameters.Add(new() { Value = events.Select(e => e.Type).ToArray() });
        command.Parameters.Add(new() { Value = events.Select(e => e.Owner).ToArray() });
        command.Parameters.Add(new() { Value = events.Select(e => e.Body).ToArray() });
        command.Parameters.Add(new() { Value = (object?)traceParent ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = events.Select(e => e.Market).ToArray() });
        command.Parameters.Add(new() { Value = events.Select(e => e.Side).ToArray() });
        command.Parameters.Add(new() { Value = events.Select(e => e.SizeUsd).ToArray() });
        command.Parameters.Add(new() { Value = events.Select(e => e.Leverage).ToArray() });
        command.Parameters.Add(new() { Value = batchId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var inserted = new List<string>(events.Count);
        while (await reader.ReadAsync(cancellationToken))
        {
            inserted.Add(reader.GetString(0));
        }
        return inserted;
    }
}
