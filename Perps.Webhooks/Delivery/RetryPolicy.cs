using Microsoft.Extensions.Options;
using Perps.Webhooks.Lifecycle;

namespace Perps.Webhooks.Delivery;

/// <summary>
/// Decides where a delivery stands after an attempt: the one place the retry schedule is read. A retry is a wait,
/// not a time: the recorder adds it to the database's clock, the one clock every schedule is read against. A 410 Gone
/// is not retried: the endpoint says it is gone for good, and the recorder disables it. Each scheduled wait is drawn
/// up to <see cref="Spread"/> longer, never shorter: after an outage, endpoints' retries do not all land in one second.
/// </summary>
public sealed class RetryPolicy(IOptions<DeliveryOptions> options)
{
    /// <summary>The most a scheduled wait is lengthened, as a share of it (30 s becomes 30 to 33 s).</summary>
    public const double Spread = 0.1;

    public AttemptRecord Decide(DeliveryJob job, AttemptOutcome outcome)
    {
        if (outcome.Succeeded)
        {
            return AttemptRecord.Of(job, outcome, DeliveryStatus.Succeeded, null);
        }

        var retries = options.Value.Retries;
        if (job.AttemptInRound > retries.Count || outcome.IsGone)
        {
            return AttemptRecord.Of(job, outcome, DeliveryStatus.Failed, null);
        }

        var wait = retries[job.AttemptInRound - 1] * (1 + Random.Shared.NextDouble() * Spread);
        if (outcome.RetryAfter is { } retryAfter && outcome.StatusCode is 429 or 503)
        {
            wait = TimeSpan.FromTicks(Math.Clamp(retryAfter.Ticks, wait.Ticks, Math.Max(wait.Ticks, options.Value.MaxRetryAfter.Ticks)));
        }
        return AttemptRecord.Of(job, outcome, DeliveryStatus.Pending, wait);
    }
}
