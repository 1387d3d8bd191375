using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Perps.Api.RateLimits;

/// <summary>
/// How many ingest requests this replica works on at once (<c>RateLimit:IngestMaxInFlight</c>). One more is refused
/// at once, having stored nothing, with 503 and <c>Retry-After</c>, instead of queueing for a database connection.
/// An open-loop feed does not slow down when Postgres does: in a soak past what the machine sustains, waiting
/// requests took every pooled connection (100), each waited 15 s for one and failed with a 500, the API grew to 1 GB,
/// and the queries that would have caught up competed with ever more inserts. Refused at the door, the feed is told
/// to come back, and what was accepted keeps flowing.
/// </summary>
internal sealed class IngestCapacity(IOptions<RateLimitOptions> options)
{
    private readonly ConcurrencyLimiter _inFlight = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.IngestMaxInFlight,
        QueueLimit = 0,
    });

    public int MaxInFlight => options.Value.IngestMaxInFlight;

    /// <summary>A place among the requests in flight; not acquired when they are all taken. Dispose it when done.</summary>
    public RateLimitLease TryEnter() => _inFlight.AttemptAcquire();
}
