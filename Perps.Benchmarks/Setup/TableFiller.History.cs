using Npgsql;
using Perps.Webhooks.Events;

namespace Perps.Benchmarks.Setup;

/// <summary>
/// The growth run's history: finished deliveries, each with its event and one attempt, made by Postgres itself
/// (<c>INSERT … SELECT</c> over <c>generate_series</c>, a few hundred thousand rows a statement, two at a time, one
/// per core), so ten million rows take minutes, not hours through the API. The rows look like the pipeline's own
/// after a month: events of the filler users' wallets with real bodies, spread over the last 30 days (the default
/// retention age, so retention removes the oldest as the run goes on, as in a service that has reached its steady
/// size); deliveries 'succeeded' on the first attempt with a 200, to those users' webhooks (which never get a
/// request), so no dispatcher ever picks them up again. Positions in the event log are left to their defaults.
/// </summary>
internal sealed partial class TableFiller
{
    private const int HistoryChunk = 250_000;
    private const int HistoryWriters = 2;
    private static readonly TimeSpan HistorySpan = TimeSpan.FromDays(30);

    /// <summary>Adds <paramref name="deliveries"/> rows of history, reporting rows done as it goes, then vacuums and analyzes.</summary>
    public async Task FillHistoryAsync(long deliveries, Action<long> progress, CancellationToken ct)
    {
        var (webhooks, owners) = await FillerWebhooksAsync(ct);
        var insert = InsertHistorySql(await EventsAwaitFanOutByColumnAsync(ct));
        var template = EventBody.Create("@ID@", "@TYPE@", 0,
            new TradeData("@OWNER@", "SOL-PERP", "long", 15000.5, 5.2, 185.42, 2884.71, "2025-01-15T10:30:00Z"));
        var tag = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));
        var chunks = (deliveries + HistoryChunk - 1) / HistoryChunk;
        long done = 0;

        await Parallel.ForAsync(0L, chunks, new ParallelOptions { MaxDegreeOfParallelism = HistoryWriters, CancellationToken = ct }, async (chunk, token) =>
        {
            var from = chunk * HistoryChunk;
            var to = Math.Min(deliveries, from + HistoryChunk) - 1;
            await using var connection = new NpgsqlConnection(app.DatabaseConnectionString);
            await connection.OpenAsync(token);
            await using var command = new NpgsqlCommand(insert, connection) { CommandTimeout = 0 };
            command.Parameters.Add(new() { Value = from });
            command.Parameters.Add(new() { Value = to });
            command.Parameters.Add(new() { Value = deliveries });
            command.Parameters.Add(new() { Value = $"evt_hist_{tag}_" });
            command.Parameters.Add(new() { Value = template });
            command.Parameters.Add(new() { Value = webhooks });
            command.Parameters.Add(new() { Value = owners });
            command.Parameters.Add(new() { Value = HistorySpan });
            await command.ExecuteNonQueryAsync(token);
            progress(Interlocked.Add(ref done, to - from + 1));
        });

        // Vacuumed and analyzed, as a month-old database would be: the inserts would otherwise wake autovacuum in the
        // middle of the measurement, and the planner would know nothing of the new rows.
        await using var vacuumConnection = new NpgsqlConnection(app.DatabaseConnectionString);
        await vacuumConnection.OpenAsync(ct);
        await using var vacuum = new NpgsqlCommand("VACUUM (ANALYZE) events, deliveries, delivery_attempts", vacuumConnection) { CommandTimeout = 0 };
        await vacuum.ExecuteNonQueryAsync(ct);
        await using var checkpoint = new NpgsqlCommand("CHECKPOINT", vacuumConnection) { CommandTimeout = 0 };
        await checkpoint.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The filler users' webhooks, each with a wallet of its user (an event's owner is a wallet its webhooks' user watches).</summary>
    private async Task<(string[] Webhooks, string[] Owners)> FillerWebhooksAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(app.DatabaseConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("""
            SELECT w.id, wl.address
            FROM webhooks w
            CROSS JOIN LATERAL (SELECT address FROM wallets WHERE api_key_id = w.api_key_id LIMIT 1) wl
            WHERE w.url LIKE $1
            ORDER BY w.id
            """, connection);
        command.Parameters.Add(new() { Value = $"{receiver.BaseUrl}{NeverPath}%" });
        var (webhooks, owners) = (new List<string>(), new List<string>());
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                webhooks.Add(reader.GetString(0));
                owners.Add(reader.GetString(1));
            }
        }
        if (webhooks.Count == 0)
        {
            throw new InvalidOperationException("No filler webhooks (with a wallet) to hang the history on: fill the tables first.");
        }
        return ([.. webhooks], [.. owners]);
    }

    /// <summary>
    /// Whether this schema marks an event awaiting fan-out by a NULL <c>events.fanned_out_at</c> (the sweep would
    /// fan such a row out), rather than by a row in a table of its own (where an event without one is done).
    /// </summary>
    private async Task<bool> EventsAwaitFanOutByColumnAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(app.DatabaseConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("""
            SELECT EXISTS (SELECT 1 FROM information_schema.columns
                           WHERE table_schema = 'public' AND table_name = 'events' AND column_name = 'fanned_out_at')
            """, connection);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// One chunk of history, rows $1..$2 of $3, in one transaction: events, their deliveries, one attempt each.
    /// Where the schema has <c>fanned_out_at</c> it is set in the same insert: a separate update would write every
    /// event twice, and between the two a dispatcher's sweep could take the rows for new events.
    /// </summary>
    private static string InsertHistorySql(bool fannedOutColumn)
    {
        var fannedOut = fannedOutColumn ? (Column: ", fanned_out_at", Value: ", h.at") : (Column: "", Value: "");
        return $"""
            WITH h AS MATERIALIZED (
                SELECT $4 || g AS event_id,
                       (ARRAY['trade.new', 'trade.close', 'trade.liquidation'])[1 + g % 3] AS type,
                       $6[1 + g % cardinality($6)] AS webhook_id,
                       $7[1 + g % cardinality($7)] AS owner,
                       now() - $8 * (($3 - g)::float8 / $3) AS at,
                       g
                FROM generate_series($1::bigint, $2::bigint) g
            ),
            e AS (
                INSERT INTO events (id, type, owner, body, created_at{fannedOut.Column})
                SELECT h.event_id, h.type, h.owner,
                       replace(replace(replace(replace($5, '"@ID@"', to_json(h.event_id)::text), '"@TYPE@"', to_json(h.type)::text),
                               '"@OWNER@"', to_json(h.owner)::text), '"created":0,', '"created":' || extract(epoch FROM h.at)::bigint || ','),
                       h.at{fannedOut.Value}
                FROM h
            ),
            d AS (
                INSERT INTO deliveries (id, event_id, webhook_id, status, attempts, created_at, last_attempt_at, last_status_code)
                SELECT 'dlv_' || left(md5(h.event_id || '/' || h.webhook_id), 24), h.event_id, h.webhook_id, 'succeeded', 1,
                       h.at, h.at + interval '12 milliseconds', 200
                FROM h
            )
            INSERT INTO delivery_attempts (delivery_id, attempt, attempted_at, status_code, duration_ms)
            SELECT 'dlv_' || left(md5(h.event_id || '/' || h.webhook_id), 24), 1, h.at + interval '12 milliseconds', 200, 2 + (h.g % 37) * 0.5
            FROM h
            """;
    }
}
