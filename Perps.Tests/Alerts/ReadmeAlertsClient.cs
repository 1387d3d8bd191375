using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Perps.Tests.Alerts;

/// <summary>
/// The README's Node.js alerts client (<c>docs/alerts-clients/alerts.js</c>), run as it stands with <c>node</c> and
/// the ws package that <c>scripts/install-prerequisites.sh test</c> installs beside it. Collects what it prints:
/// alerts on stdout, its connection's story on stderr.
/// </summary>
public sealed partial class ReadmeAlertsClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _alerts = [];
    private readonly List<string> _log = [];

    private ReadmeAlertsClient(Process process) => _process = process;

    public static string Root { get; } = RepositoryRoot();

    public static string Folder { get; } = Path.Combine(Root, "docs", "alerts-clients");

    /// <summary>Event ids of the alerts printed so far, in order.</summary>
    public List<string> AlertIds
    {
        get
        {
            lock (_alerts)
            {
                return _alerts.Select(line => EventId().Match(line).Value).ToList();
            }
        }
    }

    /// <summary>Everything printed so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_alerts)
            {
                return $"stdout:\n{string.Join('\n', _alerts)}\nstderr:\n{string.Join('\n', _log)}";
            }
        }
    }

    public int ConnectedCount
    {
        get
        {
            lock (_alerts)
            {
                return _log.Count(line => line.StartsWith("connected", StringComparison.Ordinal));
            }
        }
    }

    public static ReadmeAlertsClient Start(Uri alertsUrl, string apiKey, string cursorFile)
    {
        Assert.True(File.Exists(Path.Combine(Folder, "node_modules", "ws", "package.json")),
            $"The ws package is not installed in {Folder}: run scripts/install-prerequisites.sh test (./test.sh does).");
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("alerts.js");
        start.Environment["PERPS_ALERTS_URL"] = alertsUrl.ToString();
        start.Environment["PERPS_API_KEY"] = apiKey;
        start.Environment["PERPS_CURSOR_FILE"] = cursorFile;
        var client = new ReadmeAlertsClient(Process.Start(start)!);
        client._process.OutputDataReceived += (_, e) => client.Add(client._alerts, e.Data);
        client._process.ErrorDataReceived += (_, e) => client.Add(client._log, e.Data);
        client._process.BeginOutputReadLine();
        client._process.BeginErrorReadLine();
        return client;
    }

    /// <summary>Waits until <paramref name="done"/> holds for what the client printed, or fails with its output.</summary>
    public async Task WaitUntilAsync(Func<ReadmeAlertsClient, bool> done, string what, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (!done(this))
        {
            if (_process.HasExited || DateTimeOffset.UtcNow >= deadline)
            {
                Assert.Fail($"The README's Node.js client never {what}{(_process.HasExited ? $" (it exited with {_process.ExitCode})" : "")}.\n{Output}");
            }
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Ends the process at once (SIGKILL), as a crash or a reboot would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Add(List<string> lines, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_alerts)
        {
            lines.Add(line);
        }
    }

    /// <summary>The folder holding Perps.sln, above the test binaries (bin/&lt;Configuration&gt;/net10.0).</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Perps.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No Perps.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"\bevt_[A-Za-z0-9_]+")]
    private static partial Regex EventId();
}
