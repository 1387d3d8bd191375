using Perps.Tests.Faults;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Contention;

/// <summary>
/// An app of its own with very few send slots, so a handful of slow or hanging endpoints is already more than the
/// dispatchers can hold at once: 4 requests in flight per replica, of which one user may hold 2 (and 2 per host),
/// a 3 s timeout and an 8 s lease (renewed by a job that waited 2.5 s for its slot). The API works on 2 ingest
/// requests at once, and a third waits up to 1 s for a place.
/// </summary>
public sealed class ContendedAppFixture : IAsyncLifetime
{
    public const int SlotsPerReplica = 4;
    public const int SlotsPerTenant = 2;
    public const int Replicas = 2;
    public const int IngestMaxInFlight = 2;
    public static readonly TimeSpan IngestQueueWait = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    private FaultApp? _app;

    public FaultApp App => _app ?? throw new InvalidOperationException("The contended app has not started.");

    public TestReceiver Receiver { get; } = new();

    public async ValueTask InitializeAsync()
    {
        await Receiver.StartAsync();
        _app = await FaultApp.StartAsync(
            $"--Delivery:Timeout={Timeout}",
            "--Delivery:AttemptLease=00:00:08",
            $"--Delivery:MaxConcurrency={SlotsPerReplica}",
            $"--Delivery:MaxConcurrencyPerTenant={SlotsPerTenant}",
            $"--Delivery:MaxConcurrencyPerHost={SlotsPerTenant}",
            "--Delivery:PollInterval=00:00:00.100",
            "--Delivery:DisableAfterFailures=1000",
            $"--RateLimit:IngestMaxInFlight={IngestMaxInFlight}",
            $"--RateLimit:IngestQueueWait={IngestQueueWait}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        await Receiver.DisposeAsync();
    }
}
