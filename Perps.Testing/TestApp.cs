using Aspire.Hosting;
using Aspire.Hosting.Testing;

namespace Perps.Testing;

/// <summary>
/// The whole Perps app as the tests and the benchmark start it: real Redis and Postgres as local executables with
/// throw-away data, the API and the dispatcher replicas, the keys below, and loopback allowed as a delivery target
/// (as in a local run). Each caller adds its own settings (retry schedules, rate limits, trace sampling, the portal).
/// </summary>
public static class TestApp
{
    public const string AdminKey = "test-admin-key";
    public const string IngestKey = "test-ingest-key";

    /// <summary>The key webhook secrets are sealed with; the benchmark seals the rows it writes straight to Postgres with it too.</summary>
    public const string SecretsKey = "dGVzdC1vbmx5LXNlY3JldHMta2V5LTMyLWJ5dGVzISE=";

    /// <summary>The AppHost's arguments: the ones every app starts with, then <paramref name="settings"/>, which win over them.</summary>
    public static string[] Arguments(IEnumerable<string> settings) =>
    [
        "--environment=Development",
        "--Deps:Mode=executable",
        "--Deps:DataDir=",
        // Ports the machine picks: apps of other test classes, worktrees and benchmarks run beside each other.
        "--Api:Port=",
        "--Portal:Port=",
        "--Portal:Enabled=false", // an app that has the portal's browser tests to serve says so
        $"--Parameters:admin-key={AdminKey}",
        $"--Parameters:ingest-key={IngestKey}",
        $"--Parameters:secrets-key={SecretsKey}",
        "--Security:AllowedNetworks:0=127.0.0.0/8",
        "--Feed:Enabled=false", // the demo feed would add trades of its own to what is measured and asserted
        .. settings,
    ];

    /// <summary>The app's builder, for callers that change the app model before it is built (the benchmark's logging).</summary>
    public static Task<IDistributedApplicationTestingBuilder> CreateBuilderAsync(IEnumerable<string> settings, CancellationToken cancellationToken) =>
        DistributedApplicationTestingBuilder.CreateAsync<Projects.Perps_AppHost>(Arguments(settings), cancellationToken);

    /// <summary>Starts a whole app with <paramref name="settings"/> after the common ones; see <see cref="BuildAndStartAsync"/>.</summary>
    public static async Task<DistributedApplication> StartAsync(IEnumerable<string> settings, CancellationToken cancellationToken) =>
        await (await CreateBuilderAsync(settings, cancellationToken)).BuildAndStartAsync(cancellationToken);

    /// <summary>Builds and starts the app, and waits until the API and the dispatchers are healthy; disposes it if they never are.</summary>
    public static async Task<DistributedApplication> BuildAndStartAsync(this IDistributedApplicationTestingBuilder builder, CancellationToken cancellationToken)
    {
        var app = await builder.BuildAsync(cancellationToken);
        try
        {
            await app.StartAsync(cancellationToken);
            await app.ResourceNotifications.WaitForResourceHealthyAsync("api", cancellationToken);
            await app.ResourceNotifications.WaitForResourceHealthyAsync("dispatcher", cancellationToken);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }
}
