using Npgsql;

namespace Perps.Benchmarks.Infrastructure;

/// <summary>Postgres's bytes for the delivery history, per delivery: the tables the write path filled, with their indexes and TOAST.</summary>
internal sealed record StorageResult(long Deliveries, long Bytes, double BytesPerDelivery, Dictionary<string, long> BytesByTable);

/// <summary>
/// Measures storage per delivery. The tables counted are found, not named: every table of the public schema that
/// rows were inserted into while the measured runs went on (the statistics' insert counters, read before and
/// after), so a table the write path gains (a narrow "awaiting fan-out" table, time partitions) or loses is followed
/// as the schema changes. The tables the benchmark's own setup fills (<paramref name="setupTables"/>: users, wallets,
/// webhooks) are left out: a backend may publish its counters up to ten seconds late, so the setup's inserts can
/// land inside a run's window. Dead row versions an update left behind count: they take the space until vacuum
/// reuses it.
/// </summary>
internal sealed class StorageMeter(string connectionString, IReadOnlyCollection<string> setupTables)
{
    // A busy backend publishes its counters about once a second: the last of a run's inserts are in after this.
    private static readonly TimeSpan StatisticsFlush = TimeSpan.FromSeconds(2);

    private readonly HashSet<string> _written = new(StringComparer.Ordinal);
    private Dictionary<string, long> _insertsAtMark = [];

    /// <summary>Notes the insert counters before runs whose writes should count.</summary>
    public async Task MarkAsync(CancellationToken ct) => _insertsAtMark = await InsertsAsync(ct);

    /// <summary>After those runs: every table inserted into since <see cref="MarkAsync"/> is one the write path fills.</summary>
    public async Task NoteWritesAsync(CancellationToken ct)
    {
        await Task.Delay(StatisticsFlush, ct);
        foreach (var (table, inserts) in await InsertsAsync(ct))
        {
            if (inserts > _insertsAtMark.GetValueOrDefault(table) && !setupTables.Contains(table))
            {
                _written.Add(table);
            }
        }
    }

    /// <summary>Total relation size of each table noted, summed, over the rows of <c>deliveries</c>.</summary>
    public async Task<StorageResult> MeasureAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        var bytes = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var sizes = new NpgsqlCommand("""
            SELECT c.relname, pg_total_relation_size(c.oid)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname = ANY ($1)
            ORDER BY c.relname
            """, connection))
        {
            sizes.Parameters.Add(new() { Value = _written.ToArray() });
            await using var reader = await sizes.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                bytes[reader.GetString(0)] = reader.GetInt64(1);
            }
        }
        await using var count = new NpgsqlCommand("SELECT count(*) FROM deliveries", connection);
        var deliveries = (long)(await count.ExecuteScalarAsync(ct))!;
        var total = bytes.Values.Sum();
        return new StorageResult(deliveries, total, Math.Round((double)total / Math.Max(1, deliveries)), bytes);
    }

    private async Task<Dictionary<string, long>> InsertsAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT relname, n_tup_ins FROM pg_stat_user_tables WHERE schemaname = 'public'", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var inserts = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            inserts[reader.GetString(0)] = reader.GetInt64(1);
        }
        return inserts;
    }
}
