using System.Net;

namespace Perps.Api.RateLimits;

/// <summary>
/// Section <c>RateLimit</c>. Authenticated requests draw from a token bucket per user API key, or per client address for
/// the admin and ingest keys; failed authentication attempts draw from a smaller bucket per client address.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimit";

    /// <summary>Requests per second for one user API key (every address it is used from shares the bucket).</summary>
    public int PermitsPerSecond { get; set; } = 50;

    public int Burst { get; set; } = 100;

    /// <summary>Requests per second with the admin key, per client address: issuing and revoking keys is rare work.</summary>
    public int AdminPermitsPerSecond { get; set; } = 20;

    public int AdminBurst { get; set; } = 100;

    /// <summary>
    /// Requests per second with the ingest key, per client address. The feed is trusted and high-volume (the benchmark
    /// posts tens of thousands of requests a second from one loopback address), so this is a ceiling on a runaway or
    /// leaked feeder well above any measured load, not a tenant's fair share.
    /// </summary>
    public int IngestPermitsPerSecond { get; set; } = 100_000;

    public int IngestBurst { get; set; } = 100_000;

    /// <summary>
    /// Ingest requests one API replica works on at once; past it, a request waits up to <see cref="IngestQueueWait"/>
    /// for a place, then is refused with 503 and <c>Retry-After</c> (see <see cref="IngestCapacity"/>). Well above
    /// the benchmark's 20 requests in flight.
    /// </summary>
    public int IngestMaxInFlight { get; set; } = 64;

    /// <summary>
    /// How long a request beyond <see cref="IngestMaxInFlight"/> waits for a place (behind at most as many again)
    /// before it is refused: long enough to ride out a pause of the database, short enough that an overload is told
    /// so within a second. Zero refuses it at once. At most 30 s.
    /// </summary>
    public TimeSpan IngestQueueWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Failed authentication attempts (no key, or a wrong user, admin or ingest key) per client address and minute,
    /// also the burst. Once they are spent, that address's requests to keyed routes are refused with 429 before any
    /// key is looked up.
    /// </summary>
    public int FailedAuthPerMinute { get; set; } = 30;

    /// <summary>
    /// Networks (CIDR) of the reverse proxies in front of the API, such as the Container Apps ingress. A request that
    /// arrives from one of them is counted against the address its <c>X-Forwarded-For</c> names (the last entry);
    /// any other request against the address it came from. Empty by default: the header is never trusted.
    /// </summary>
    public string[] TrustedProxies { get; set; } = [];

    internal bool IsValid() =>
        new[] { PermitsPerSecond, Burst, AdminPermitsPerSecond, AdminBurst, IngestPermitsPerSecond, IngestBurst, IngestMaxInFlight, FailedAuthPerMinute }.All(n => n > 0)
        && IngestQueueWait >= TimeSpan.Zero && IngestQueueWait <= TimeSpan.FromSeconds(30)
        && TrustedProxies.All(n => IPNetwork.TryParse(n, out _));
}
