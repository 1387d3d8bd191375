namespace Perps.Webhooks.Delivery;

/// <summary>An attempt to record, with the delivery state it leads to.</summary>
/// <param name="Attempt">The attempt number this result belongs to: a delivery claimed again since then keeps its newer state.</param>
/// <param name="RetryIn">For a pending delivery, the wait before the next attempt, counted on the database's clock when recorded.</param>
/// <param name="IsTest">A test send: it shows in the history but says nothing about the endpoint's health.</param>
public sealed record AttemptRecord(
    string DeliveryId,
    string WebhookId,
    int Attempt,
    AttemptOutcome Outcome,
    string Status,
    TimeSpan? RetryIn,
    bool IsTest = false);
