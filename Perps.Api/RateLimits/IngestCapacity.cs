using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Perps.Api.RateLimits;

/// <summary>
/// How many ingest requests this replica works on at once (<c>RateLimit:IngestMaxInFlight</c>). One more waits for a
/// place up to <c>RateLimit:IngestQueueWait</c>, behind at most as many again; then, or with that line full, it is
/// refused with 503 and <c>Retry-After</c>, having stored nothing, instead of queueing for a database connection.
/// An open-loop feed does not slow down when Postgres does: in a soak past what the machine sustains, waiting
/// requests took every pooled connection (100), each waited 15 s for one and failed with a 500, the API grew to 1 GB,
/// and the queries that would have caught up competed with ever more inserts. Refused at the door, the feed is told
/// to come back, and what was accepted keeps flowing. The short wait is for a pause, not an overload: refused at
/// once, a soak at half the maximum had 195 requests turned away by a single stall of a few hundred milliseconds.
/// </summary>
internal sealed class IngestCapacity(IOptions<RateLimitOptions> options)
{
    private readonly ConcurrencyLimiter _inFlight = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.IngestMaxInFlight,
        QueueLimit = options.Value.IngestMaxInFlight, // waited in only when IngestQueueWait is above zero
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    public int MaxInFlight => options.Value.IngestMaxInFlight;

    public TimeSpan QueueWait => options.Value.IngestQueueWait;

    /// <summary>A place among the requests in flight; not acquired when none came free in time. Dispose it when done.</summary>
    public async ValueTask<RateLimitLease> EnterAsync(CancellationToken cancellationToken)
    {
        var place = _inFlight.AttemptAcquire(); // a free place, and none waiting for one: no timer to set
        if (place.IsAcquired || QueueWait == TimeSpan.Zero)
        {
            return place;
        }
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(QueueWait);
        try
        {
            return await _inFlight.AcquireAsync(1, wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return place; // still the refusal it was
        }
    }
}
