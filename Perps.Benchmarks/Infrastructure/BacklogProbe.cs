using Npgsql;
using Perps.Webhooks.Streams;
using StackExchange.Redis;

namespace Perps.Benchmarks.Infrastructure;

/// <summary>Work the pipeline has not finished, at one moment.</summary>
internal sealed record Backlog(long StreamLength, long PendingRetries);

/// <summary>
/// Reads the pipeline's backlog: the event stream's length (the dispatchers delete each entry once it is handled,
/// so what is left is waiting) and the deliveries still pending (waiting for a retry, or in flight).
/// </summary>
internal sealed class BacklogProbe : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _redis;
    private readonly string _database;

    private BacklogProbe(ConnectionMultiplexer redis, string database)
    {
        _redis = redis;
        _database = database;
    }

    public static async Task<BacklogProbe> ConnectAsync(BenchApp app) =>
        new(await ConnectionMultiplexer.ConnectAsync(app.RedisConnectionString), app.DatabaseConnectionString);

    public async Task<Backlog> ReadAsync(CancellationToken ct)
    {
        var length = await _redis.GetDatabase().StreamLengthAsync(EventStream.Key);
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM deliveries WHERE status = 'pending'", connection);
        return new Backlog(length, (long)(await command.ExecuteScalarAsync(ct))!);
    }

    public async ValueTask DisposeAsync() => await _redis.DisposeAsync();
}
