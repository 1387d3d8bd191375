namespace Perps.Webhooks.Delivery;

/// <summary>An attempt to record, with the delivery state it leads to.</summary>
public sealed record AttemptRecord(
    string DeliveryId,
    string WebhookId,
    int Attempt,
    AttemptOutcome Outcome,
    string Status,
    DateTimeOffset? NextAttemptAt);
