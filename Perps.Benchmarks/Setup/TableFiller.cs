using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Perps.Benchmarks.Infrastructure;
using Perps.Webhooks;
using Perps.Webhooks.Secrets;
using Perps.Webhooks.Signing;

namespace Perps.Benchmarks.Setup;

/// <summary>
/// Brings the wallets and webhooks tables up to a size with other users' rows, loaded straight into Postgres with
/// COPY (the API would take minutes for 100,000 rows). The other users watch wallets that never trade, and their
/// webhooks (sealed secrets, every event type) point at a path of the receiver that never gets a request.
/// The growth run's delivery history is loaded the same way (TableFiller.History.cs).
/// </summary>
internal sealed partial class TableFiller(BenchApp app, SignatureCheckingReceiver receiver)
{
    private const string NeverPath = "/never/";

    /// <summary>The tables this setup (and the customers' setup through the API) writes: not the delivery pipeline's.</summary>
    public static readonly IReadOnlyCollection<string> SetupTables = ["api_keys", "wallets", "webhooks"];

    private static readonly string[] AllEvents = ["trade.new", "trade.close", "trade.liquidation"];
    private readonly SecretProtector _protector = new(Options.Create(new SecretsOptions { Key = TestApp.SecretsKey }));

    public async Task<(long Wallets, long Webhooks)> CountAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(app.DatabaseConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT (SELECT count(*) FROM wallets), (SELECT count(*) FROM webhooks)", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Adds other users' rows until the tables hold <paramref name="wallets"/> and <paramref name="webhooks"/> rows, then ANALYZEs.</summary>
    public async Task FillToAsync(long wallets, long webhooks, CancellationToken ct)
    {
        var (haveWallets, haveWebhooks) = await CountAsync(ct);
        var addWallets = (int)Math.Max(0, wallets - haveWallets);
        var addWebhooks = (int)Math.Max(0, webhooks - haveWebhooks);
        var users = Math.Max(1, Math.Max(addWebhooks / 10, addWallets / 100)); // ~10 webhooks and ~100 wallets each
        var userIds = Enumerable.Range(0, users).Select(_ => Ids.New(Ids.ApiKey)).ToArray();

        await using var connection = new NpgsqlConnection(app.DatabaseConnectionString);
        await connection.OpenAsync(ct);

        await using (var copy = await connection.BeginBinaryImportAsync("COPY api_keys (id, name, key_hash) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var id in userIds)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(id, NpgsqlDbType.Text, ct);
                await copy.WriteAsync("bench filler", NpgsqlDbType.Text, ct);
                await copy.WriteAsync(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), NpgsqlDbType.Bytea, ct);
            }
            await copy.CompleteAsync(ct);
        }

        await using (var copy = await connection.BeginBinaryImportAsync("COPY wallets (api_key_id, address) FROM STDIN (FORMAT BINARY)", ct))
        {
            for (var i = 0; i < addWallets; i++)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(userIds[i % users], NpgsqlDbType.Text, ct);
                await copy.WriteAsync(Wallets.NewAddress(), NpgsqlDbType.Text, ct);
            }
            await copy.CompleteAsync(ct);
        }

        await using (var copy = await connection.BeginBinaryImportAsync("COPY webhooks (id, api_key_id, url, events, secret) FROM STDIN (FORMAT BINARY)", ct))
        {
            for (var i = 0; i < addWebhooks; i++)
            {
                // The path is how FillHistoryAsync tells these webhooks from the bench customers'.
                var id = Ids.New(Ids.Webhook);
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(id, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(userIds[i % users], NpgsqlDbType.Text, ct);
                await copy.WriteAsync($"{receiver.BaseUrl}{NeverPath}{i}", NpgsqlDbType.Text, ct);
                await copy.WriteAsync(AllEvents, NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
                await copy.WriteAsync(_protector.Seal(WebhookSignature.NewSecret(), id), NpgsqlDbType.Bytea, ct);
            }
            await copy.CompleteAsync(ct);
        }

        await using var analyze = new NpgsqlCommand("ANALYZE api_keys; ANALYZE wallets; ANALYZE webhooks", connection);
        await analyze.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Transactions committed in the database so far: the delta over a run, per delivery, is its round trips that wrote or read.</summary>
    public async Task<long> CommitsAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(app.DatabaseConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()", connection);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }
}
