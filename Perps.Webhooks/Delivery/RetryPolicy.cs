using Microsoft.Extensions.Options;
using Perps.Webhooks.Lifecycle;

namespace Perps.Webhooks.Delivery;

/// <summary>
/// Decides where a delivery stands after an attempt: the one place the retry schedule is read. A retry is a wait,
/// not a time: the recorder adds it to the database's clock, the one clock every schedule is read against. A 410 Gone
/// is not retried: the endpoint says it is gone for good, and the recorder disables it.
/// </summary>
public sealed class RetryPolicy(IOptions<DeliveryOptions> options)
{
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

        var wait = retries[job.AttemptInRound - 1];
        if (outcome.RetryAfter is { } retryAfter && outcome.StatusCode is 429 or 503)
        {
            wait = TimeSpan.FromTicks(Math.Clamp(retryAfter.Ticks, wait.Ticks, Math.Max(wait.Ticks, options.Value.MaxRetryAfter.Ticks)));
        }
        return AttemptRecord.Of(job, outcome, DeliveryStatus.Pending, wait);
    }
}
