using System.Runtime.InteropServices;

namespace Perps.Benchmarks.Infrastructure;

/// <summary>
/// Sleeps to within a fraction of a millisecond. Task.Delay wakes on the runtime's timer: measured on the 2-core
/// machine with nothing else in the process, a 20 ms schedule of Task.Delay woke 2 ms late at the median and 6 ms at
/// p99, which an open-loop generator would add to every latency it reports from the scheduled time; Thread.Sleep
/// rounds to whole milliseconds. usleep (Linux's high-resolution timers; the benchmark reads /proc, so Linux only)
/// woke 0.2 ms late at the median and 0.4 ms at p99, without spinning.
/// </summary>
internal static class PreciseSleep
{
    private static readonly TimeSpan LongestNap = TimeSpan.FromMilliseconds(100);

    /// <summary>Blocks this thread for <paramref name="span"/> (at most 100 ms a call, so a caller looks at its token often).</summary>
    public static void For(TimeSpan span)
    {
        if (span > TimeSpan.Zero)
        {
            _ = usleep((uint)Math.Ceiling((span < LongestNap ? span : LongestNap).TotalMicroseconds));
        }
    }

    [DllImport("libc", EntryPoint = "usleep")]
#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code for this one blittable call
    private static extern int usleep(uint microseconds);
#pragma warning restore SYSLIB1054
}
