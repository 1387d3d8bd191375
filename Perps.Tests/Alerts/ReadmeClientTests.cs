using Perps.Tests.Infrastructure;

namespace Perps.Tests.Alerts;

/// <summary>
/// The README's Node.js alerts client against the real app: it prints what a watched wallet does, and after a crash
/// it resumes from the cursor it kept on disk, printing exactly what it missed.
/// </summary>
public sealed class ReadmeClientTests(PerpsAppFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly string _folder = Directory.CreateTempSubdirectory("perps-alerts-client-").FullName;

    [Fact]
    public async Task NodeClientPrintsAlertsAndAfterARestartPrintsExactlyWhatItMissed()
    {
        // Arrange: a user watching a wallet, and the client running with its cursor file.
        using var user = await fixture.CreateUserAsync("README alerts client");
        var wallet = Wallets.NewAddress();
        await user.WatchAsync(wallet);
        var cursorFile = Path.Combine(_folder, "perps-alerts.cursor");
        var alertsUrl = AlertSocket.AlertsUri(fixture.App);

        // Act 1: a trade while it runs.
        await using (var first = ReadmeAlertsClient.Start(alertsUrl, user.Key, cursorFile))
        {
            await first.WaitUntilAsync(c => c.ConnectedCount > 0, "connected", Wait);
            var live = await fixture.IngestAsync(Trades.Event(wallet));

            // Assert 1: printed, once.
            await first.WaitUntilAsync(c => c.AlertIds.Count >= 1, "printed the first trade's alert", Wait);
            Assert.Equal(live, first.AlertIds);

            // Act 2: it dies without warning; three trades happen while it is down; it starts again.
            await first.KillAsync();
        }
        var missed = await fixture.IngestAsync(Trades.Event(wallet), Trades.Event(wallet, "trade.close"), Trades.Event(wallet, "trade.liquidation"));
        await using var second = ReadmeAlertsClient.Start(alertsUrl, user.Key, cursorFile);
        await second.WaitUntilAsync(c => c.AlertIds.Count >= missed.Count, "printed the trades it missed", Wait);
        // A trade after the restart comes after the replay on the same connection: once it is printed, nothing else
        // from the replay can still be on its way.
        var after = await fixture.IngestAsync(Trades.Event(wallet));
        await second.WaitUntilAsync(c => c.AlertIds.Contains(after[0]), "printed a trade made after it restarted", Wait);

        // Assert 2: exactly the missed ones, in order, then the new one; the first trade is not printed again.
        Assert.True(missed.Concat(after).SequenceEqual(second.AlertIds), $"Expected {string.Join(", ", missed.Concat(after))}.\n{second.Output}");
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return ValueTask.CompletedTask;
    }
}
