using System.Globalization;

namespace Perps.Benchmarks.Infrastructure;

/// <summary>A process of this run's app, found in /proc.</summary>
internal sealed record AppProcess(string Role, int Pid);

/// <summary>
/// Reads CPU time and peak memory of this run's processes from /proc. Other Perps apps may run on the machine (other
/// engineers' tests), so only the benchmark's own descendants count.
/// </summary>
internal static class ProcessProbe
{
    private static readonly long TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>
    /// The processes this run started: descendants of the benchmark and of the DCP it started (DCP starts the
    /// services and dependencies as its children), named by role. Postgres is its postmaster; its backends are counted through it.
    /// </summary>
    public static List<AppProcess> FindDescendants()
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && StatFields(pid) is { } stat)
            {
                parents[pid] = (int)stat[1];
            }
        }
        var children = parents.ToLookup(kv => kv.Value, kv => kv.Key);
        var found = new List<AppProcess>();
        // DCP's API server detaches from the benchmark, and watches it with "--monitor <pid>".
        var me = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var detached = parents.Keys.Where(pid => ReadNulSeparated($"/proc/{pid}/cmdline") is var args
            && args.Length > 0 && Path.GetFileName(args[0]).StartsWith("dcp", StringComparison.Ordinal)
            && args.SkipWhile(a => a != "--monitor").Skip(1).FirstOrDefault() == me);
        var pending = new Queue<int>(children[Environment.ProcessId].Concat(detached).Distinct());
        while (pending.TryDequeue(out var pid))
        {
            var args = ReadNulSeparated($"/proc/{pid}/cmdline");
            // redis-server rewrites its command line to "redis-server 127.0.0.1:port".
            var program = args.Length > 0 ? Path.GetFileName(args[0].Split(' ')[0]) : "";
            var role = ServiceRole(args) ?? program switch
            {
                "postgres" => "postgres",
                "redis-server" => "redis",
                _ when program.StartsWith("dcp", StringComparison.Ordinal) => "dcp",
                _ => null,
            };
            if (role is not null)
            {
                found.Add(new(role, pid));
            }
            if (role != "postgres") // a postmaster's backends are counted in its CPU time
            {
                foreach (var child in children[pid])
                {
                    pending.Enqueue(child);
                }
            }
        }
        return found;
    }

    /// <summary>The service process itself: its executable or its dll, not a <c>dotnet run</c> wrapper.</summary>
    private static string? ServiceRole(string[] args)
    {
        if (args.Contains("run"))
        {
            return null;
        }
        var main = args.Select(Path.GetFileName).FirstOrDefault(a => a is "Perps.Api" or "Perps.Api.dll" or "Perps.Dispatcher" or "Perps.Dispatcher.dll");
        return main switch
        {
            "Perps.Api" or "Perps.Api.dll" => "api",
            "Perps.Dispatcher" or "Perps.Dispatcher.dll" => "dispatcher",
            _ => null,
        };
    }

    /// <summary>User + system CPU time; for postgres's postmaster also that of its children (the backends), live and exited.</summary>
    public static TimeSpan CpuTime(AppProcess process)
    {
        var own = StatFields(process.Pid);
        if (own is null)
        {
            return TimeSpan.Zero;
        }
        long ticks = own[11] + own[12]; // utime, stime
        if (process.Role == "postgres")
        {
            ticks += own[13] + own[14]; // cutime, cstime: exited backends
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(dir), out var pid) && StatFields(pid) is { } child && child[1] == process.Pid)
                {
                    ticks += child[11] + child[12];
                }
            }
        }
        return TimeSpan.FromSeconds((double)ticks / TicksPerSecond);
    }

    /// <summary>VmHWM: the peak resident set since start, or since the last <see cref="ResetPeak"/>.</summary>
    public static long PeakBytes(AppProcess process) => StatusKb(process.Pid, "VmHWM:") * 1024;

    public static long ResidentBytes(AppProcess process) => StatusKb(process.Pid, "VmRSS:") * 1024;

    /// <summary>Writing 5 to clear_refs resets VmHWM to the current RSS, so each scenario gets its own peak.</summary>
    public static bool ResetPeak(AppProcess process)
    {
        try
        {
            File.WriteAllText($"/proc/{process.Pid}/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long StatusKb(int pid, string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Fields of /proc/pid/stat after the command name, numbered from 0 = state, 1 = ppid … (11 utime, 12 stime, 13 cutime, 14 cstime).</summary>
    private static long[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Take(15).Select(f => long.TryParse(f, out var v) ? v : 0).ToArray();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string[] ReadNulSeparated(string path)
    {
        try
        {
            return File.ReadAllText(path).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
