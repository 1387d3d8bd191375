using Perps.Webhooks.Lifecycle;

namespace Perps.Webhooks.Delivery;

/// <summary>
/// What to record of a delivery: an attempt and the state it leads to, or, for a fresh delivery not attempted
/// (deferred, skipped, left at shutdown), only its state.
/// </summary>
/// <param name="Attempt">The attempt number this result belongs to: a delivery claimed again since then keeps its newer state.</param>
/// <param name="Outcome">The attempt's result; null when nothing was sent.</param>
/// <param name="RetryIn">For a pending delivery, the wait before the next attempt, counted on the database's clock when recorded.</param>
/// <param name="IsTest">A test send: it shows in the history but says nothing about the endpoint's health.</param>
public sealed record AttemptRecord(
    string DeliveryId,
    string WebhookId,
    int Attempt,
    AttemptOutcome? Outcome,
    string Status,
    TimeSpan? RetryIn,
    bool IsTest = false)
{
    /// <summary>The event of a delivery whose row this record creates (a fan-out's first attempt); null when the row exists.</summary>
    public string? NewDeliveryOfEvent { get; init; }

    /// <summary>The fan-out waiting for this record before it is done with (its stream entry acknowledged).</summary>
    public FanOutTicket? Ticket { get; init; }

    /// <summary>Why nothing was sent, for a record without an outcome (its <c>last_error</c>).</summary>
    public string? Note { get; init; }

    /// <summary>The record of an attempt made of <paramref name="job"/>.</summary>
    public static AttemptRecord Of(DeliveryJob job, AttemptOutcome outcome, string status, TimeSpan? retryIn) =>
        new(job.DeliveryId, job.WebhookId, job.Attempt, outcome, status, retryIn, job.IsTest)
        {
            NewDeliveryOfEvent = job.IsStored ? null : job.EventId,
            Ticket = job.Ticket,
        };

    /// <summary>A fresh delivery recorded without an attempt: due after <paramref name="dueIn"/>, or skipped.</summary>
    public static AttemptRecord NotAttempted(DeliveryJob job, string status, TimeSpan? dueIn, string? note = null) =>
        new(job.DeliveryId, job.WebhookId, 0, null, status, dueIn)
        {
            NewDeliveryOfEvent = job.EventId,
            Ticket = job.Ticket,
            Note = note,
        };
}
