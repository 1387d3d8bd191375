namespace Perps.Webhooks.Lifecycle;

/// <summary>The states of a delivery: the only place their names are written (the SQL interpolates these).</summary>
public static class DeliveryStatus
{
    /// <summary>Waiting for an attempt: a retry, a redelivery, a deferred first attempt, or one in flight (leased).</summary>
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    /// <summary>Not attempted: the event arrived while its endpoint was disabled automatically. <c>recover</c> sends it.</summary>
    public const string Skipped = "skipped";

    public static readonly IReadOnlyList<string> All = [Pending, Succeeded, Failed, Skipped];

    /// <summary>Why a delivery ended, or was never attempted, when no receiver said so: its <c>last_error</c>.</summary>
    public static class Notes
    {
        public const string CancelledByDisable = "cancelled: the webhook is disabled";
        public const string SkippedWhileDisabled = "skipped: the webhook was disabled automatically when the event arrived; recover sends it";
        public const string Throttled = "throttled: waiting for a slot within the endpoint's rate limit (or its Retry-After pause)";
        public const string GaveUp = "gave up: no result could be recorded for the last attempts";
    }
}
