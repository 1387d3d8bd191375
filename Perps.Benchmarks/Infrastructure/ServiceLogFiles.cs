using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Perps.Benchmarks.Infrastructure;

/// <summary>
/// Keeps what every resource of the app writes (the API's and each dispatcher replica's logs, Postgres's and Redis's
/// output) in a file per resource instance, each line stamped with the time it arrived, so a stall seen in a long run
/// can be named afterwards. The benchmark's console stays quiet: these are the logs it used to drop.
/// </summary>
internal sealed class ServiceLogFiles : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _writers = [];
    private readonly HashSet<string> _watched = [];
    private readonly Task _discovery;

    private ServiceLogFiles(DistributedApplication app, string folder)
    {
        Folder = folder;
        Directory.CreateDirectory(folder);
        foreach (var earlier in Directory.EnumerateFiles(folder, "*.log"))
        {
            File.Delete(earlier); // an earlier run's instances have other names: keep only this run's
        }
        _discovery = DiscoverAsync(app, _stop.Token);
    }

    public string Folder { get; }

    public static ServiceLogFiles Start(DistributedApplication app, string folder) => new(app, folder);

    /// <summary>Starts a writer for each resource instance as it appears (replicas are instances of one resource).</summary>
    private async Task DiscoverAsync(DistributedApplication app, CancellationToken ct)
    {
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        var logs = app.Services.GetRequiredService<ResourceLoggerService>();
        try
        {
            await foreach (var resourceEvent in notifications.WatchAsync(ct))
            {
                lock (_writers)
                {
                    if (_watched.Add(resourceEvent.ResourceId))
                    {
                        _writers.Add(WriteAsync(logs, resourceEvent.ResourceId, ct));
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task WriteAsync(ResourceLoggerService logs, string resourceId, CancellationToken ct)
    {
        var path = Path.Combine(Folder, $"{string.Concat(resourceId.Split(Path.GetInvalidFileNameChars()))}.log");
        await using var file = new StreamWriter(path, append: false) { AutoFlush = true };
        try
        {
            await foreach (var batch in logs.WatchAsync(resourceId).WithCancellation(ct))
            {
                var arrived = DateTime.UtcNow.ToString("HH:mm:ss.fff");
                foreach (var line in batch)
                {
                    await file.WriteLineAsync($"{arrived} {(line.IsErrorMessage ? "E" : " ")} {line.Content}");
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _discovery;
        Task[] writers;
        lock (_writers)
        {
            writers = [.. _writers];
        }
        await Task.WhenAll(writers);
        _stop.Dispose();
    }
}
