using Npgsql;
using Perps.Webhooks.Schema;

namespace Perps.Api.Data;

/// <summary>
/// The one owner of the schema. Applies the missing steps before the API serves, under a transaction-scoped
/// advisory lock, so replicas starting together apply each step exactly once.
/// </summary>
internal sealed class SchemaMigrator(NpgsqlDataSource dataSource, ILogger<SchemaMigrator> logger) : IHostedService
{
    private const long LockKey = 0x5045_5250_5300; // "PERPS"

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenWithRetryAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await using (var setup = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
        {
            setup.Parameters.Add(new() { Value = LockKey });
            await setup.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var table = new NpgsqlCommand(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
            connection, transaction))
        {
            await table.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var current = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM schema_migrations", connection, transaction);
        var applied = (int)(await current.ExecuteScalarAsync(cancellationToken))!;

        for (var version = applied + 1; version <= Migrations.Steps.Count; version++)
        {
            await using var step = new NpgsqlCommand(Migrations.Steps[version - 1], connection, transaction);
            await step.ExecuteNonQueryAsync(cancellationToken);
            await using var record = new NpgsqlCommand("INSERT INTO schema_migrations (version) VALUES ($1)", connection, transaction);
            record.Parameters.Add(new() { Value = version });
            await record.ExecuteNonQueryAsync(cancellationToken);
            Log.AppliedMigration(logger, version);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Postgres may still be starting (or restarting) when the API does.</summary>
    private async Task<NpgsqlConnection> OpenWithRetryAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await dataSource.OpenConnectionAsync(cancellationToken);
            }
            catch (NpgsqlException ex) when (attempt < 30)
            {
                Log.DatabaseNotReady(logger, attempt, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }
}
