using System.Diagnostics;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Faults;

/// <summary>
/// The whole app stopped while deliveries wait for their retry, and started again on the same data (Postgres's
/// cluster, Redis's append-only file): the retries are sent once due, as attempt 2 of the same delivery.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class AppRestartTests : IAsyncLifetime
{
    private static readonly TimeSpan RetryWait = TimeSpan.FromSeconds(20);
    private readonly TestReceiver _receiver = new();
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"perps-faults-{Guid.NewGuid():N}");

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_dataDir);
        await _receiver.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _receiver.DisposeAsync();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task RetriesWaitingWhenTheAppStopsAreSentOnScheduleAfterItStartsAgain()
    {
        string[] args = [$"--Deps:DataDir={_dataDir}", $"--Delivery:RetrySchedule:0={RetryWait}", $"--Delivery:RetrySchedule:1={RetryWait}"];
        var failing = true;
        var first = await FaultApp.StartAsync(args);
        DeliveryLoad load;
        Stopwatch down;
        try
        {
            load = await DeliveryLoad.SetUpAsync(first, _receiver, users: 3,
                scriptForWebhook: _ => _ => (Volatile.Read(ref failing) ? 500 : 200, TimeSpan.Zero));
            await load.IngestAsync(eventsPerSecond: 100, minimumEvents: 300);
            var expected = load.Tally().Expected;
            await WaitUntilAsync(async () => await first.CountAsync(
                "SELECT count(*) FROM deliveries WHERE status = 'pending' AND attempts = 1 AND last_status_code = 500") == expected,
                TimeSpan.FromSeconds(60), "every first attempt failed and recorded, its retry scheduled");
        }
        finally
        {
            down = Stopwatch.StartNew();
            await first.DisposeAsync();
        }

        Volatile.Write(ref failing, false);
        await using var second = await FaultApp.StartAsync(args);
        var downFor = down.Elapsed;
        var upAgainAt = DateTimeOffset.UtcNow;
        load.App = second;
        var (tally, drain, settled) = await load.WaitForAllAsync(down, TimeSpan.FromSeconds(90));

        var retries = load.Webhooks.SelectMany(w => _receiver.Received(w.Url))
            .GroupBy(r => r.Header("X-Delivery-ID"))
            .Select(d => (First: d.First(r => r.Header("X-Delivery-Attempt") == "1"), Retry: d.FirstOrDefault(r => r.Header("X-Delivery-Attempt") != "1")))
            .ToList();
        var waits = retries.Where(r => r.Retry is not null).Select(r => r.Retry!.ReceivedAt - r.First.ReceivedAt).ToList();
        FaultFigures.Report("whole app stopped and restarted with retries waiting", tally, drain, settled,
            $"app down {downFor.TotalSeconds:0.0}s; retry due {RetryWait.TotalSeconds:0}s after attempt 1, sent after {waits.Min().TotalSeconds:0.0}-{waits.Max().TotalSeconds:0.0}s");
        tally.AssertAtLeastOnce();
        Assert.All(retries, r => Assert.Equal("2", r.Retry?.Header("X-Delivery-Attempt")));
        Assert.All(waits, wait => Assert.True(wait >= RetryWait - TimeSpan.FromSeconds(0.5), $"a retry came {wait.TotalSeconds:0.0}s after its first attempt, before it was due"));
        Assert.All(retries, r => Assert.True(r.Retry!.ReceivedAt <= Later(r.First.ReceivedAt + RetryWait, upAgainAt) + TimeSpan.FromSeconds(15),
            "a retry came more than 15 s after it was due and the app was up again"));
        Assert.Equal(tally.Expected, await second.CountAsync("SELECT count(*) FROM deliveries WHERE status = 'succeeded' AND attempts = 2"));
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"Not reached within {timeout.TotalSeconds:0} s: {what}.");
            }
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
    }
}
