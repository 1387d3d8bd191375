using Npgsql;

namespace Perps.Benchmarks.Infrastructure;

/// <summary>The oldest transaction that held a transaction id, as seen at one sample.</summary>
internal sealed record OldTransaction(double AgeMs, string Application, string State, string Query);

/// <summary>
/// Samples the database's oldest transaction holding a transaction id while a run goes on. An alert is passed on
/// only once every transaction older than its own has ended (its position is then final), so one long transaction
/// anywhere in the database holds every alert back: this shows whether, and which.
/// </summary>
internal sealed class TransactionAgeProbe : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly CancellationTokenSource _stop = new();
    private readonly List<double> _ages = [];
    private readonly Task _sampling;
    private OldTransaction? _oldest;

    private TransactionAgeProbe(string connectionString) => _sampling = SampleAsync(connectionString);

    public static TransactionAgeProbe Start(BenchApp app) => new(app.DatabaseConnectionString);

    /// <summary>The sampled ages in ms, sorted, and the oldest transaction seen.</summary>
    public async Task<(List<double> AgesMs, OldTransaction? Oldest)> StopAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        return ([.. _ages.Order()], _oldest);
    }

    private async Task SampleAsync(string connectionString)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(_stop.Token);
            await using var command = new NpgsqlCommand("""
                SELECT extract(epoch FROM clock_timestamp() - xact_start) * 1000, coalesce(application_name, ''), coalesce(state, ''), left(query, 200)
                FROM pg_stat_activity
                WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
                ORDER BY xact_start
                LIMIT 1
                """, connection);
            while (!_stop.IsCancellationRequested)
            {
                await using (var reader = await command.ExecuteReaderAsync(_stop.Token))
                {
                    var age = 0.0;
                    if (await reader.ReadAsync(_stop.Token))
                    {
                        age = reader.GetDouble(0);
                        if (_oldest is null || age > _oldest.AgeMs)
                        {
                            _oldest = new OldTransaction(Math.Round(age, 1), reader.GetString(1), reader.GetString(2), reader.GetString(3));
                        }
                    }
                    _ages.Add(age);
                }
                await Task.Delay(Interval, _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }
        _stop.Dispose();
    }
}
