using Aspire.Hosting;
using Npgsql;

[assembly: AssemblyFixture(typeof(Perps.Tests.Infrastructure.PerpsAppFixture))]

namespace Perps.Tests.Infrastructure;

/// <summary>
/// One whole Perps app for the test run: real Redis and Postgres (local executables, throw-away data), the API,
/// two dispatcher replicas and the portal, with the retry schedule and disable thresholds shrunk so tests finish in seconds.
/// </summary>
public sealed class PerpsAppFixture : IAsyncLifetime
{
    public static readonly TimeSpan[] RetrySchedule = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];
    public const int DisableAfterFailures = 3;
    public const int FailedAuthPerMinute = 120;
    public const int MaxWebhooksPerKey = 10;
    public const int MaxWalletsPerKey = 10;

    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The app has not started.");

    public TestReceiver Receiver { get; } = new();

    public async ValueTask InitializeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await Receiver.StartAsync();
        _app = await TestApp.StartAsync(
        [
            $"--Delivery:RetrySchedule:0={RetrySchedule[0]}",
            $"--Delivery:RetrySchedule:1={RetrySchedule[1]}",
            $"--Delivery:DisableAfterFailures={DisableAfterFailures}",
            "--Delivery:DisableAfterSpan=00:00:02",
            "--Delivery:PollInterval=00:00:00.100",
            "--Retention:Interval=00:00:01",
            // Every test client comes from 127.0.0.1: room for the suite's deliberate 401s, and loopback trusted as
            // a proxy so a rate-limit test can speak for an address of its own through X-Forwarded-For.
            $"--RateLimit:FailedAuthPerMinute={FailedAuthPerMinute}",
            // Each test makes its own users through the admin key, hundreds a minute from one address.
            "--RateLimit:AdminPermitsPerSecond=1000",
            "--RateLimit:AdminBurst=1000",
            "--RateLimit:TrustedProxies:0=127.0.0.0/8",
            $"--Quotas:MaxWebhooksPerKey={MaxWebhooksPerKey}",
            $"--Quotas:MaxWalletsPerKey={MaxWalletsPerKey}",
            "--Portal:Enabled=true", // the portal's browser tests use this app
        ], cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        await Receiver.DisposeAsync();
    }

    /// <summary>The app's Postgres, for tests that look under the API or play a replica's part.</summary>
    public async Task<NpgsqlDataSource> OpenDatabaseAsync() =>
        NpgsqlDataSource.Create(await App.GetConnectionStringAsync("perpsdb") ?? throw new InvalidOperationException("No perpsdb connection string."));

    /// <summary>A count from the app's database, for tests that prove a refused request stored nothing.</summary>
    public async Task<long> CountAsync(string sql, params object[] parameters)
    {
        await using var database = await OpenDatabaseAsync();
        await using var command = database.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new() { Value = parameter });
        }
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A client of the API with no key.</summary>
    public HttpClient CreateAnonymousClient() => App.CreateAnonymousClient();

    /// <summary>A client holding the admin key.</summary>
    public HttpClient CreateAdminClient() => App.CreateAdminClient();

    /// <summary>A client holding the ingest key.</summary>
    public HttpClient CreateIngestClient() => App.CreateIngestClient();

    /// <summary>A new user: a fresh API key, and a client that sends it. Each test owns its data this way.</summary>
    public Task<UserClient> CreateUserAsync(string name = "test user") => App.CreateUserAsync(name);
}

public sealed record UserClient(HttpClient Http, string KeyId, string Key) : IDisposable
{
    public void Dispose() => Http.Dispose();
}
