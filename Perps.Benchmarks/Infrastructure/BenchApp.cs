using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Perps.Benchmarks.Infrastructure;

/// <summary>
/// The whole Perps app as the tests start it (<see cref="TestApp"/>: real Redis and Postgres as local executables with
/// throw-away data, Postgres with fsync off, the API and the dispatcher replicas, loopback allowed as a delivery
/// target), with the benchmark's trace sampling and quiet logs.
/// </summary>
internal sealed class BenchApp : IAsyncDisposable
{
    private readonly DistributedApplication _app;
    private readonly ServiceLogFiles _logs;

    private BenchApp(DistributedApplication app, ServiceLogFiles logs, string databaseConnectionString, string redisConnectionString)
    {
        _app = app;
        _logs = logs;
        DatabaseConnectionString = databaseConnectionString;
        RedisConnectionString = redisConnectionString;
    }

    public string DatabaseConnectionString { get; }

    public string RedisConnectionString { get; }

    /// <summary>Starts the app; what its resources write goes to files in <paramref name="logFolder"/>.</summary>
    public static async Task<BenchApp> StartAsync(IReadOnlyList<string> appHostArgs, bool otlpExport, string logFolder, CancellationToken cancellationToken)
    {
        var builder = await TestApp.CreateBuilderAsync(
        [
            // One trace in a hundred, as a service at thousands of deliveries a second would record them; metrics
            // and logs are kept whole. --Telemetry:TraceSampleRatio=1 measures tracing everything.
            "--Telemetry:TraceSampleRatio=0.01",
            // The alert runs make hundreds of users (one API key each) through the admin key, as fast as they can.
            "--RateLimit:AdminPermitsPerSecond=1000",
            "--RateLimit:AdminBurst=1000",
            .. appHostArgs,
        ], cancellationToken);
        // The services' own logs stay in the services; the console keeps the benchmark's output.
        // (Postgres logs to stderr, which would show as errors.)
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning)
            .AddFilter("System.Net.Http.HttpClient", LogLevel.Warning)
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None)
            .AddFilter("Aspire.Hosting", LogLevel.Error)
            .AddFilter("Perps.AppHost.Resources", LogLevel.None));
        if (!otlpExport)
        {
            // Added after the AppHost's own callbacks, so it runs after the one that sets the endpoint.
            foreach (var project in builder.Resources.OfType<ProjectResource>())
            {
                project.Annotations.Add(new EnvironmentCallbackAnnotation(context => context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_ENDPOINT")));
            }
        }
        var app = await builder.BuildAndStartAsync(cancellationToken);
        var logs = ServiceLogFiles.Start(app, logFolder); // the lines written so far come first
        var database = await app.GetConnectionStringAsync("perpsdb", cancellationToken)
            ?? throw new InvalidOperationException("No connection string for perpsdb.");
        var redis = await app.GetConnectionStringAsync("redis", cancellationToken)
            ?? throw new InvalidOperationException("No connection string for redis.");
        return new BenchApp(app, logs, database, redis);
    }

    /// <summary>A client with no key, for requests that each carry their own (many users' keys through one pool).</summary>
    public HttpClient CreateAnonymousClient() => WithTimeout(_app.CreateAnonymousClient());

    public HttpClient CreateAdminClient() => WithTimeout(_app.CreateAdminClient());

    public HttpClient CreateIngestClient() => WithTimeout(_app.CreateIngestClient());

    public HttpClient CreateUserClient(string apiKey) => WithTimeout(_app.CreateUserClient(apiKey));

    /// <summary>The API's WebSocket alert channel, <c>ws://…/api/alerts</c>.</summary>
    public Uri AlertsUri => new UriBuilder(_app.GetEndpoint("api", "http")) { Scheme = "ws", Path = "/api/alerts" }.Uri;

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _logs.DisposeAsync();
    }

    private static HttpClient WithTimeout(HttpClient client)
    {
        client.Timeout = TimeSpan.FromSeconds(60);
        return client;
    }
}
