using Microsoft.Extensions.Options;
using Npgsql;
using Perps.Webhooks.Secrets;

namespace Perps.Api.Secrets;

/// <summary>
/// Rewrites webhook secrets sealed under a previous key (or in the legacy unversioned format) under the current
/// key, at start and every <see cref="SecretResealOptions.ResealInterval"/>, in batches. This is what lets an
/// operator drop an old key from <c>Secrets:PreviousKeys</c>: once a sweep finds nothing left to re-seal. A
/// rotated-out webhook secret still in its grace period (<c>previous_secret</c>) is re-sealed the same way.
/// </summary>
internal sealed class SecretResealer(
    NpgsqlDataSource dataSource, SecretProtector secrets, IOptions<SecretResealOptions> options, ILogger<SecretResealer> logger)
    : BackgroundService
{
    private const int BatchSize = 500;

    /// <summary>The sealed columns, each with which of its rows are still in use.</summary>
    private static readonly (string Column, string InUse)[] Sealed =
    [
        ("secret", "true"),
        ("previous_secret", "previous_secret IS NOT NULL AND previous_secret_expires_at > now()"),
    ];
    private bool _reported;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ResealInterval);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.ResealFailed(logger, ex); // the next sweep tries again; nothing is lost, old keys still open
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One pass over the rows whose blob does not begin with the current header, in id order, per sealed column.</summary>
    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        int resealed = 0, unreadable = 0;
        foreach (var (column, inUse) in Sealed)
        {
            var (done, unread) = await SweepAsync(column, inUse, cancellationToken);
            resealed += done;
            unreadable += unread;
        }

        // Said once after start even when there was nothing to do: that line is how an operator knows a previous key can go.
        if (resealed > 0 || unreadable > 0 || !_reported)
        {
            Log.Resealed(logger, resealed, unreadable);
            _reported = true;
        }
    }

    private async Task<(int Resealed, int Unreadable)> SweepAsync(string column, string inUse, CancellationToken cancellationToken)
    {
        var after = "";
        int resealed = 0, unreadable = 0;
        while (true)
        {
            var batch = await ReadBatchAsync(column, inUse, after, cancellationToken);
            var rewrites = new List<(string Id, byte[] Old, byte[] New)>(batch.Count);
            foreach (var (id, blob) in batch)
            {
                if (secrets.TryOpen(blob, id, out var secret))
                {
                    rewrites.Add((id, blob, secrets.Seal(secret, id)));
                }
                else
                {
                    unreadable++;
                    Log.SecretUnreadable(logger, id);
                }
            }
            if (rewrites.Count > 0)
            {
                resealed += await RewriteAsync(column, rewrites, cancellationToken);
            }
            if (batch.Count < BatchSize)
            {
                break;
            }
            after = batch[^1].Id;
        }
        return (resealed, unreadable);
    }

    private async Task<List<(string Id, byte[] Blob)>> ReadBatchAsync(string column, string inUse, string after, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT id, {column} FROM webhooks
            WHERE id > $1 AND {inUse} AND substring({column} FROM 1 FOR $2) <> $3
            ORDER BY id
            LIMIT $4
            """);
        command.Parameters.Add(new() { Value = after });
        command.Parameters.Add(new() { Value = SecretProtector.HeaderSize });
        command.Parameters.Add(new() { Value = secrets.CurrentHeader });
        command.Parameters.Add(new() { Value = BatchSize });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var batch = new List<(string, byte[])>();
        while (await reader.ReadAsync(cancellationToken))
        {
            batch.Add((reader.GetString(0), reader.GetFieldValue<byte[]>(1)));
        }
        return batch;
    }

    /// <summary>Each row changes only if it still holds the blob that was read: a secret regenerated meanwhile (or
    /// re-sealed by another replica) is left as it is.</summary>
    private async Task<int> RewriteAsync(string column, List<(string Id, byte[] Old, byte[] New)> rewrites, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE webhooks w SET {column} = r.new
            FROM unnest($1::text[], $2::bytea[], $3::bytea[]) AS r(id, old, new)
            WHERE w.id = r.id AND w.{column} = r.old
            """);
        command.Parameters.Add(new() { Value = rewrites.Select(r => r.Id).ToArray() });
        command.Parameters.Add(new() { Value = rewrites.Select(r => r.Old).ToArray() });
        command.Parameters.Add(new() { Value = rewrites.Select(r => r.New).ToArray() });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
