using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Faults;

/// <summary>
/// A whole Perps app of its own for one fault test (never the shared fixture's: faults break things), with the
/// recovery timings shrunk so a lost stream entry, an expired lease or an idle claim is made good in seconds, and
/// the levers to break it: kill a dispatcher replica, stop and start Redis or Postgres, look into Postgres.
/// </summary>
public sealed class FaultApp : IAsyncDisposable
{
    public const string Redis = "redis-server";
    public const string Postgres = "perpsdb-server";
    public const string Dispatcher = "dispatcher";

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan AttemptLease = TimeSpan.FromSeconds(12);

    private readonly DistributedApplication _app;
    private readonly NpgsqlDataSource _database;

    private FaultApp(DistributedApplication app, NpgsqlDataSource database)
    {
        _app = app;
        _database = database;
    }

    /// <summary>
    /// Builds and starts the app; <paramref name="overrides"/> come last, so they win over the defaults here
    /// (e.g. <c>--Deps:DataDir=…</c> to keep data across two apps, or another retry schedule).
    /// </summary>
    public static async Task<FaultApp> StartAsync(params string[] overrides)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromMinutes(3));
        var starting = Stopwatch.StartNew();
        var app = await TestApp.StartAsync(
        [
            $"--Delivery:Timeout={Timeout}",
            $"--Delivery:AttemptLease={AttemptLease}",
            "--Delivery:ClaimIdle=00:00:03",
            "--Delivery:FanOutGrace=00:00:03",
            "--Delivery:PollInterval=00:00:00.200",
            "--Delivery:RetrySchedule:0=00:00:01",
            "--Delivery:RetrySchedule:1=00:00:02",
            .. overrides,
        ], cts.Token);
        try
        {
            var connectionString = await app.GetConnectionStringAsync("perpsdb", cts.Token);
            TestContext.Current.TestOutputHelper?.WriteLine($"app started in {starting.Elapsed.TotalSeconds:0.0} s");
            return new FaultApp(app, NpgsqlDataSource.Create(connectionString!));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>The app's database, for a test that holds a lock or reads what the API does not show.</summary>
    public NpgsqlDataSource Database => _database;

    /// <summary>The app itself, for clients the helpers here do not make (alert sockets).</summary>
    public DistributedApplication Distributed => _app;

    /// <summary>A client holding the ingest key that gives up on an answer after 20 s, so a batch caught by a fault is sent again.</summary>
    public HttpClient CreateIngestClient()
    {
        var client = _app.CreateIngestClient();
        client.Timeout = TimeSpan.FromSeconds(20);
        return client;
    }

    /// <summary>A new user: a fresh API key, and a client that sends it.</summary>
    public Task<UserClient> CreateUserAsync(string name) => _app.CreateUserAsync(name);

    /// <summary>SIGKILLs one dispatcher replica (its process and any children): no shutdown, no handing back.</summary>
    public async Task<int> KillOneDispatcherReplicaAsync()
    {
        var pids = (await RunningProcessIdsAsync(Dispatcher)).Values.ToList();
        Assert.True(pids.Count == 2, $"expected two running dispatcher replicas, found pids [{string.Join(", ", pids)}]");
        var victim = pids[0];
        foreach (var pid in ProcessTree(victim).Reverse())
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"SIGKILL {pid}: {CommandLine(pid)}");
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill(); // SIGKILL on Unix
            }
            catch (ArgumentException)
            {
                // already gone
            }
        }
        return victim;
    }

    /// <summary>The process id of each running instance (replica) of a resource, by instance id, from the latest snapshots.</summary>
    public async Task<Dictionary<string, int>> RunningProcessIdsAsync(string resource)
    {
        var pids = new Dictionary<string, int>();
        // The watch replays every resource's current state first, then waits for changes: a short look is enough.
        using var look = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        look.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await foreach (var e in _app.ResourceNotifications.WatchAsync(look.Token))
            {
                if (e.Resource.Name == resource)
                {
                    if (e.Snapshot.State?.Text == KnownResourceStates.Running && ProcessIdOf(e.Snapshot) is { } pid)
                    {
                        pids[e.ResourceId] = pid;
                    }
                    else
                    {
                        pids.Remove(e.ResourceId);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
        }
        return pids;
    }

    /// <summary>Stops a dependency through its Aspire resource command and waits until it has exited.</summary>
    public Task StopAsync(string resource, TimeSpan timeout) =>
        RunCommandAsync(resource, KnownResourceCommands.StopCommand, timeout,
            e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text));

    /// <summary>Starts a stopped dependency and waits until its health check passes again.</summary>
    public Task StartAsync(string resource, TimeSpan timeout) =>
        RunCommandAsync(resource, KnownResourceCommands.StartCommand, timeout,
            e => e.Snapshot.State?.Text == KnownResourceStates.Running
                && e.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy);

    private async Task RunCommandAsync(string resource, string command, TimeSpan timeout, Func<ResourceEvent, bool> done)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        var result = await _app.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(resource, command, cts.Token);
        Assert.True(result.Success, $"{command} {resource}: {result.Message}");
        await _app.ResourceNotifications.WaitForResourceAsync(resource, done, cts.Token);
    }

    /// <summary>One number from Postgres; null while it cannot answer (being restarted).</summary>
    public async Task<long?> CountAsync(string sql)
    {
        try
        {
            await using var command = _database.CreateCommand(sql);
            return Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken), CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        var stopping = Stopwatch.StartNew();
        await _database.DisposeAsync();
        await _app.DisposeAsync();
        TestContext.Current.TestOutputHelper?.WriteLine($"app stopped in {stopping.Elapsed.TotalSeconds:0.0} s");
    }

    private static int? ProcessIdOf(CustomResourceSnapshot snapshot) =>
        snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value switch
        {
            int pid => pid,
            long pid => (int)pid,
            string text when int.TryParse(text, CultureInfo.InvariantCulture, out var pid) => pid,
            _ => null,
        };

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "?";
        }
    }

    /// <summary>A process and its descendants, parents first (DCP may start a project through a launcher).</summary>
    private static IEnumerable<int> ProcessTree(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid))
            {
                try
                {
                    // stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
                }
                catch (IOException)
                {
                }
            }
        }
        var tree = new List<int> { root };
        for (var i = 0; i < tree.Count; i++)
        {
            tree.AddRange(parents.Where(p => p.Value == tree[i]).Select(p => p.Key));
        }
        return tree;
    }
}
