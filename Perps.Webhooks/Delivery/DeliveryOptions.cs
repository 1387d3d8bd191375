namespace Perps.Webhooks.Delivery;

/// <summary>The delivery policy of the public guide, as configuration (section <c>Delivery</c>) so tests can shrink it.</summary>
public sealed class DeliveryOptions
{
    public const string Section = "Delivery";

    private static readonly TimeSpan[] DocumentedRetrySchedule = [TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60)];

    /// <summary>No answer within this time is a failed attempt.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Waits before the 2nd, 3rd, … attempt; unset means the documented 30 s, 60 s.</summary>
    public TimeSpan[]? RetrySchedule { get; set; }

    /// <summary>A <c>Retry-After</c> on 429/503 may lengthen a wait up to this bound, never beyond.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>An endpoint is disabled after this many consecutive failed deliveries…</summary>
    public int DisableAfterFailures { get; set; } = 10;

    /// <summary>…spanning at least this long.</summary>
    public TimeSpan DisableAfterSpan { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A claimed attempt whose dispatcher died is given to another after this long; above the timeout.</summary>
    public TimeSpan AttemptLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>An event stored but not fanned out after this long (its stream entry lost) is fanned out from Postgres.</summary>
    public TimeSpan FanOutGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A stream entry read by a replica that then stopped answering is reclaimed after this idle time.</summary>
    public TimeSpan ClaimIdle { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often each dispatcher looks in Postgres for retries that are due and work that was lost.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long a dispatcher gathers attempt records before writing them as one batch. The receivers already have their
    /// requests; only the delivery history and the stream's acknowledgement wait this long, and each write and commit
    /// carries more records.
    /// </summary>
    public TimeSpan RecordGather { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Requests in flight per dispatcher replica.</summary>
    public int MaxConcurrency { get; set; } = 256;

    /// <summary>Of those, the most one user's endpoints may hold: slow or hanging endpoints cannot take every slot.</summary>
    public int MaxConcurrencyPerTenant { get; set; } = 128;

    /// <summary>The most one user may have in flight to one host (scheme, host, port), however many webhooks point at it.</summary>
    public int MaxConcurrencyPerHost { get; set; } = 64;

    public IReadOnlyList<TimeSpan> Retries => RetrySchedule is { Length: > 0 } schedule ? schedule : DocumentedRetrySchedule;

    /// <summary>Attempts in one round: the first and one per scheduled retry.</summary>
    public int AttemptsPerRound => Retries.Count + 1;
}
