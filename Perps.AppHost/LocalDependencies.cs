using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Perps.AppHost;

/// <summary>
/// redis-server and postgres from the OS packages, run as executables by DCP: no container runtime needed.
/// Their connection strings are <c>AddConnectionString</c> resources, so the services use
/// <c>AddRedisClient</c>/<c>AddNpgsqlDataSource</c> exactly as they would against containers.
/// </summary>
public static class LocalDependencies
{
    public sealed record Resources(
        IResourceBuilder<IResourceWithConnectionString> Redis,
        IResourceBuilder<IResourceWithConnectionString> Database);

    /// <summary>
    /// With <c>Deps:DataDir</c> set (a local run), data lives there and survives restarts: a Postgres cluster
    /// with fsync on and Redis with its append-only file. Without it (tests), a throw-away folder is used.
    /// </summary>
    public static Resources AddLocalRedisAndPostgres(this IDistributedApplicationBuilder builder, string redisName, string databaseName)
    {
        var configuredDataDir = builder.Configuration["Deps:DataDir"];
        var persistent = !string.IsNullOrWhiteSpace(configuredDataDir);
        var dataDir = persistent
            ? Path.GetFullPath(configuredDataDir!, builder.AppHostDirectory)
            : Path.Combine(Path.GetTempPath(), $"perps-{Guid.NewGuid():N}");
        if (!persistent)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(dataDir);
        }

        var redis = builder.AddLocalRedis(redisName, Path.Combine(dataDir, "redis"), persistent);
        var database = builder.AddLocalPostgres(databaseName, Path.Combine(dataDir, "postgres"), persistent);
        return new Resources(redis, database);
    }

    private static IResourceBuilder<IResourceWithConnectionString> AddLocalRedis(
        this IDistributedApplicationBuilder builder, string name, string dataDir, bool persistent)
    {
        Directory.CreateDirectory(dataDir);
        var server = builder.AddExecutable($"{name}-server", builder.Configuration["Deps:RedisServer"] ?? "redis-server", dataDir)
            .WithDirectEndpoint()
            .ExcludeFromManifest();
        var endpoint = server.GetEndpoint("tcp");
        server.WithArgs(context =>
        {
            context.Args.Add("--port"); context.Args.Add(endpoint.Property(EndpointProperty.TargetPort));
            context.Args.Add("--bind"); context.Args.Add("127.0.0.1");
            context.Args.Add("--dir"); context.Args.Add(dataDir);
            context.Args.Add("--save"); context.Args.Add("");
            context.Args.Add("--appendonly"); context.Args.Add(persistent ? "yes" : "no");
            context.Args.Add("--protected-mode"); context.Args.Add("no");
            context.Args.Add("--daemonize"); context.Args.Add("no");
        });

        var connectionString = builder.AddConnectionString(name,
            ReferenceExpression.Create($"{endpoint.Property(EndpointProperty.HostAndPort)}"));

        var check = $"{name}-server-ping";
        builder.Services.AddHealthChecks().AddAsyncCheck(check, ct => RedisAnswersPing(endpoint.Port, ct));
        server.WithHealthCheck(check);
        connectionString.WaitFor(server);
        return connectionString;
    }

    private static IResourceBuilder<IResourceWithConnectionString> AddLocalPostgres(
        this IDistributedApplicationBuilder builder, string name, string dataDir, bool persistent)
    {
        var pgBin = builder.Configuration["Deps:PgBin"] ?? FindPgBin();
        var isRoot = Environment.UserName == "root";

        // postgres and initdb refuse to run as root: drop to the 'postgres' OS user with setpriv, which execs
        // (no fork), so DCP's signals reach postgres itself.
        var asPostgres = isRoot ? "setpriv --reuid=postgres --regid=postgres --init-groups -- " : "";
        // Text compares byte by byte (collation C, as ids and addresses need): under C.UTF-8 every index comparison
        // of an id went through strcoll, about a tenth of Postgres's CPU in the benchmark. Character types stay UTF-8.
        var initScript = $"""
            set -eu
            D='{dataDir}'
            if [ ! -s "$D/PG_VERSION" ]; then
              mkdir -p "$D"
              {(isRoot ? "chown postgres:postgres \"$D\"" : "true")}
              chmod 700 "$D"
              {asPostgres}'{pgBin}/initdb' -D "$D" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --lc-collate=C --no-instructions >/dev/null
              echo "initdb done in $D"
            else
              echo "reusing $D"
            fi
            """;
        var init = builder.AddExecutable($"{name}-init", "bash", builder.AppHostDirectory, "-c", initScript)
            .ExcludeFromManifest();

        var (command, prefix) = isRoot
            ? ("setpriv", new[] { "--reuid=postgres", "--regid=postgres", "--init-groups", "--", $"{pgBin}/postgres" })
            : ($"{pgBin}/postgres", Array.Empty<string>());
        var server = builder.AddExecutable($"{name}-server", command, builder.AppHostDirectory)
            .WithDirectEndpoint()
            .WaitForCompletion(init)
            .ExcludeFromManifest();
        var endpoint = server.GetEndpoint("tcp");
        server.WithArgs(context =>
        {
            foreach (var arg in prefix)
            {
                context.Args.Add(arg);
            }
            context.Args.Add("-D"); context.Args.Add(dataDir);
            context.Args.Add("-p"); context.Args.Add(endpoint.Property(EndpointProperty.TargetPort));
            context.Args.Add("-c"); context.Args.Add("listen_addresses=127.0.0.1");
            context.Args.Add("-c"); context.Args.Add("unix_socket_directories=");
            context.Args.Add("-c"); context.Args.Add("max_connections=300");
            // At thousands of deliveries a second the default 1 GB of WAL forced a checkpoint every minute (26 in a
            // 25-minute soak); with 4 GB they come every few minutes, on the timer or the WAL's volume.
            context.Args.Add("-c"); context.Args.Add("max_wal_size=4GB");
            // The default 128 MB of shared buffers is too few for the pages a busy pipeline keeps writing: in a
            // 10-minute soak the backends wrote out 6.8 GB of pages themselves to make room (buffers_backend), and
            // quick runs side by side gave 20% less CPU per event at half load with 1 GB.
            context.Args.Add("-c"); context.Args.Add("shared_buffers=1GB");
            // What stalls the pipeline gets named in Postgres's log (the dashboard's, the benchmark's log files):
            // statements and autovacuum runs that take a second or more, and lock waits as long.
            context.Args.Add("-c"); context.Args.Add("log_min_duration_statement=1s");
            context.Args.Add("-c"); context.Args.Add("log_autovacuum_min_duration=1s");
            context.Args.Add("-c"); context.Args.Add("log_lock_waits=on");
            // Throw-away test clusters skip fsync; a local run keeps its data safe.
            context.Args.Add("-c"); context.Args.Add(persistent ? "fsync=on" : "fsync=off");
            if (!persistent)
            {
                // A young cluster creates WAL segments instead of recycling them, and zero-filling each 16 MB took
                // 6% of Postgres's CPU in the benchmark's first minutes (`perf`: XLogFileInit under every commit).
                // A cluster that lives long recycles its segments; one thrown away after a test need not pay for that.
                context.Args.Add("-c"); context.Args.Add("wal_init_zero=off");
            }
        });

        var connectionString = builder.AddConnectionString(name, ReferenceExpression.Create(
            $"Host={endpoint.Property(EndpointProperty.Host)};Port={endpoint.Property(EndpointProperty.Port)};Username=postgres;Database=postgres"));

        var check = $"{name}-server-select1";
        builder.Services.AddHealthChecks().AddAsyncCheck(check, async ct =>
        {
            try
            {
                var cs = await connectionString.Resource.ConnectionStringExpression.GetValueAsync(ct);
                await using var connection = new NpgsqlConnection(cs + ";Pooling=false;Timeout=3");
                await connection.OpenAsync(ct);
                await using var select = new NpgsqlCommand("select 1", connection);
                await select.ExecuteScalarAsync(ct);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException or InvalidOperationException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy(ex.Message);
            }
        });
        server.WithHealthCheck(check);
        connectionString.WaitFor(server);
        return connectionString;
    }

    /// <summary>
    /// A loopback port the server listens on itself, not behind a DCP proxy: every Redis command and every Postgres
    /// round trip would otherwise pass through one more process (measured by <c>./bench.sh</c>). Restarted, the
    /// server gets the same port back, as it would behind the proxy.
    /// </summary>
    private static IResourceBuilder<ExecutableResource> WithDirectEndpoint(this IResourceBuilder<ExecutableResource> server)
    {
        using var probe = new TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return server.WithEndpoint(name: "tcp", scheme: "tcp", port: port, targetPort: port, isProxied: false);
    }

    private static async Task<HealthCheckResult> RedisAnswersPing(int port, CancellationToken ct)
    {
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", port, ct);
            var stream = tcp.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), ct);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, ct);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("redis did not answer PONG");
        }
        catch (Exception ex) when (ex is SocketException or IOException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy(ex.Message);
        }
    }

    private static string FindPgBin()
    {
        var versions = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => d, StringComparer.Ordinal)
            : Enumerable.Empty<string>();
        return versions.Select(v => Path.Combine(v, "bin"))
            .FirstOrDefault(bin => File.Exists(Path.Combine(bin, "postgres"))) ?? "/usr/bin";
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
