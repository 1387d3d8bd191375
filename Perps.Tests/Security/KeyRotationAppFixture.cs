using System.Text.Json.Nodes;
using Aspire.Hosting;
using Npgsql;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Security;

/// <summary>
/// The one extra app of the key-rotation tests: started mid-rotation, with <c>secrets-key</c> = B and
/// <c>secrets-previous-key-0</c> = A, and a re-seal every second so a row sealed under A is seen rewritten quickly.
/// </summary>
public sealed class KeyRotationAppFixture : IAsyncLifetime
{
    public static readonly TimeSpan ResealInterval = TimeSpan.FromSeconds(1);

    private DistributedApplication? _app;
    private NpgsqlDataSource? _database;

    public string KeyA { get; } = SealedSecrets.NewKey();

    public string KeyB { get; } = SealedSecrets.NewKey();

    public TestReceiver Receiver { get; } = new();

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The rotation app has not started.");

    public NpgsqlDataSource Database => _database ?? throw new InvalidOperationException("The rotation app has not started.");

    public async ValueTask InitializeAsync()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromMinutes(4));
        await Receiver.StartAsync();
        _app = await TestApp.StartAsync(
        [
            $"--Parameters:secrets-key={KeyB}",
            $"--Parameters:secrets-previous-key-0={KeyA}",
            $"--Secrets:ResealInterval={ResealInterval}",
            "--Delivery:PollInterval=00:00:00.100",
        ], cts.Token);
        _database = NpgsqlDataSource.Create((await _app.GetConnectionStringAsync("perpsdb", cts.Token))!);
    }

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        await Receiver.DisposeAsync();
    }

    /// <summary>A new user of this app: a fresh API key, and a client that sends it.</summary>
    public Task<UserClient> CreateUserAsync() => App.CreateUserAsync("key rotation");

    /// <summary>Ingests a trade; fails the test unless the answer is 202.</summary>
    public Task IngestAsync(JsonObject trade) => App.IngestAsync(trade);

    public async Task<byte[]> ReadSealedSecretAsync(string webhookId)
    {
        await using var command = Database.CreateCommand("SELECT secret FROM webhooks WHERE id = $1");
        command.Parameters.Add(new() { Value = webhookId });
        return (byte[])(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    /// <summary>What someone with the old key (or the old code) left in the row.</summary>
    public async Task WriteSealedSecretAsync(string webhookId, byte[] blob)
    {
        await using var command = Database.CreateCommand("UPDATE webhooks SET secret = $2 WHERE id = $1");
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new() { Value = blob });
        Assert.Equal(1, await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));
    }
}
