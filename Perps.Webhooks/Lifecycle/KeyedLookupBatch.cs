using Npgsql;

namespace Perps.Webhooks.Lifecycle;

/// <summary>
/// A batch for statements that find <c>fan_out_awaiting</c> rows by key: it runs in a transaction of its own with
/// sequential scans off. That table churns thousands of rows a second and its statistics cannot follow: an analyze
/// that happens to find 20 live rows, beside a primary-key index grown to thousands of pages by the churn, makes each
/// index probe look dearer than reading the whole table, and the plan cached from it scanned the table and compared
/// every row with every id of the batch. In a 30-minute soak that made fan-outs take 1 to 4 s, a lease renewal 18 s
/// while it held the rows it had locked, and the recorder's deletes wait 23 s for those: the pipeline stood still.
/// </summary>
internal sealed class KeyedLookupBatch : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    private KeyedLookupBatch(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
        Batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { new("SET LOCAL enable_seqscan = off") } };
    }

    public NpgsqlBatch Batch { get; }

    public static async Task<KeyedLookupBatch> BeginAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            return new KeyedLookupBatch(connection, await connection.BeginTransactionAsync(cancellationToken));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public void Add(NpgsqlBatchCommand command) => Batch.BatchCommands.Add(command);

    public Task CommitAsync(CancellationToken cancellationToken) => _transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Batch.DisposeAsync();
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
