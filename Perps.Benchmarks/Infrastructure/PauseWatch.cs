using System.Diagnostics;

namespace Perps.Benchmarks.Infrastructure;

/// <summary>A stretch of time in which this process did not run at all: when it began (local time) and how long it lasted.</summary>
internal sealed record Pause(DateTimeOffset At, double Seconds)
{
    public override string ToString() => $"{Seconds:0.0} s from {At:HH:mm:ss}";
}

/// <summary>
/// Notices when the benchmark's process stood still. A thread of its own wakes every 50 ms; a wake-up a second or
/// more late (by the monotonic clock or by the wall clock) means nothing in this process ran meanwhile. Contention
/// for the two cores delays a wake-up by milliseconds, not seconds: most likely the whole virtual machine was paused.
/// This sandbox's host pauses it to take a snapshot now and then (its kernel then logs <c>random: crng reseeded due
/// to virtual machine fork</c>). The load generator's schedule runs on while the generator, the receiver and the
/// services are all stopped, so a run a pause lands in measures the pause, not the pipeline, and is void.
/// </summary>
internal sealed class PauseWatch : IDisposable
{
    private static readonly TimeSpan Threshold = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);

    private readonly List<Pause> _seen = [];
    private readonly Lock _lock = new();
    private readonly Thread _thread;
    private volatile bool _stopping;

    public PauseWatch()
    {
        _thread = new Thread(Watch) { IsBackground = true, Name = "pause watch", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    /// <summary>Every pause noticed so far, in the order they happened.</summary>
    public IReadOnlyList<Pause> Seen()
    {
        lock (_lock)
        {
            return [.. _seen];
        }
    }

    private void Watch()
    {
        var (monotonic, wall) = (Stopwatch.GetTimestamp(), DateTimeOffset.Now);
        while (!_stopping)
        {
            Thread.Sleep(Tick);
            var (monotonicNow, wallNow) = (Stopwatch.GetTimestamp(), DateTimeOffset.Now);
            // A paused virtual machine's monotonic clock may or may not count the pause; its wall clock is set right
            // when it resumes. Whichever saw the longer gap tells how long nothing ran.
            var gap = TimeSpan.FromTicks(Math.Max(Stopwatch.GetElapsedTime(monotonic, monotonicNow).Ticks, (wallNow - wall).Ticks)) - Tick;
            if (gap >= Threshold)
            {
                lock (_lock)
                {
                    _seen.Add(new Pause(wallNow - gap, Math.Round(gap.TotalSeconds, 1)));
                }
            }
            (monotonic, wall) = (monotonicNow, wallNow);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join();
    }
}
