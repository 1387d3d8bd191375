using System.Diagnostics;
using Perps.Webhooks.Lifecycle;

namespace Perps.Webhooks.Delivery;

/// <summary>One attempt of one delivery, ready to send.</summary>
/// <param name="AttemptInRound">1 for the first attempt after creation, redelivery or recovery; picks the retry wait.</param>
/// <param name="EventStoredAt">When the event was accepted: the start of the end-to-end latency.</param>
/// <param name="TenantId">The API key that owns the webhook: the unit of fair sharing between users.</param>
/// <param name="TraceParent">The trace of the request that accepted the event, so each attempt joins it.</param>
public sealed record DeliveryJob(
    string DeliveryId,
    string EventId,
    string WebhookId,
    string Url,
    byte[] SealedSecret,
    string EventType,
    string Body,
    int Attempt,
    int AttemptInRound,
    DateTimeOffset EventStoredAt,
    string TenantId,
    string? TraceParent = null)
{
    /// <summary>
    /// The fan-out this first attempt belongs to, when its delivery row does not exist yet: the row is written once,
    /// with the result, and the fan-out's stream entry stands in for the lease until then. Null for a delivery
    /// claimed from Postgres (a retry, redelivery, deferred or recovered attempt, a test), whose row holds its lease.
    /// </summary>
    public FanOutTicket? Ticket { get; init; }

    /// <summary>The rotated-out secret while its grace period runs: it also signs <c>webhook-signature</c>.</summary>
    public byte[]? SealedPreviousSecret { get; init; }

    /// <summary>The endpoint's limit, deliveries per second; null: none.</summary>
    public int? RateLimit { get; init; }

    /// <summary>Until when the endpoint asked (429 with Retry-After) to be left alone, when that is still ahead.</summary>
    public DateTimeOffset? PausedUntil { get; init; }

    /// <summary>Whether the endpoint's throttle decides when this goes out: it has a rate limit, or is paused.</summary>
    public bool IsThrottled => RateLimit is not null || PausedUntil is not null;

    /// <summary>Whether the delivery's row exists: claimed from Postgres rather than fresh from a fan-out.</summary>
    public bool IsStored => Ticket is null;

    /// <summary>A test send: it shows in the history but says nothing about the endpoint's health.</summary>
    public bool IsTest { get; init; }

    /// <summary>Scheme, host and port of the URL: what "one host" means for the per-host share.</summary>
    public string Authority { get; } = Uri.TryCreate(Url, UriKind.Absolute, out var url) ? $"{url.Scheme}://{url.Authority}" : Url;

    /// <summary>When this process read the claim (a <see cref="Stopwatch"/> timestamp): how much of the lease is left.</summary>
    public long ClaimedAt { get; } = Stopwatch.GetTimestamp();
}
