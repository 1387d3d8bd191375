using System.Collections.Concurrent;

namespace Perps.Dispatcher.Health;

/// <summary>When each of the dispatcher's loops last went round.</summary>
internal sealed class DispatcherHeartbeat(TimeProvider time)
{
    /// <summary>The loops, by the names the health report gives them.</summary>
    public const string Stream = "stream", Scheduler = "scheduler";

    private readonly ConcurrentDictionary<string, DateTimeOffset> _beats = new();

    public void Beat(string loop) => _beats[loop] = time.GetUtcNow();

    public IReadOnlyDictionary<string, TimeSpan> Ages()
    {
        var now = time.GetUtcNow();
        return _beats.ToDictionary(b => b.Key, b => now - b.Value);
    }
}
