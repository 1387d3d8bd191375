using Aspire.Hosting;
using Npgsql;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Alerts;

/// <summary>
/// An app of its own for the alert limits that the shared one keeps generous: two API replicas behind the one port,
/// a send queue of 16 frames, and a replay window of 30 s or 100 events.
/// </summary>
public sealed class TightAlertsApp : IAsyncLifetime
{
    public const int SendQueueLimit = 16;
    public const int ReplayEvents = 100;

    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The app has not started.");

    public async ValueTask InitializeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        _app = await TestApp.StartAsync(
        [
            "--Api:Replicas=2",
            $"--Alerts:SendQueueLimit={SendQueueLimit}",
            "--Alerts:ReplayWindow=00:00:30",
            $"--Alerts:ReplayEvents={ReplayEvents}",
            "--RateLimit:AdminPermitsPerSecond=1000",
            "--RateLimit:AdminBurst=1000",
        ], cts.Token);
    }

    /// <summary>Makes events look older than the replay window.</summary>
    public async Task AgeEventsAsync(IReadOnlyCollection<string> eventIds, TimeSpan by)
    {
        await using var database = NpgsqlDataSource.Create((await App.GetConnectionStringAsync("perpsdb"))!);
        await using var command = database.CreateCommand("UPDATE events SET created_at = created_at - $2 WHERE id = ANY ($1)");
        command.Parameters.Add(new() { Value = eventIds.ToArray() });
        command.Parameters.Add(new() { Value = by });
        Assert.Equal(eventIds.Count, await command.ExecuteNonQueryAsync());
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
