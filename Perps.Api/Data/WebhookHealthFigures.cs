namespace Perps.Api.Data;

/// <summary>
/// How an endpoint has been doing, as <see cref="WebhookStore.GetHealthAsync"/> computes it: its deliveries created in
/// the last 24 hours (all, succeeded, failed), its last success and failure, and its current failure streak.
/// </summary>
internal sealed record WebhookHealthFigures(
    long Deliveries24h,
    long Succeeded24h,
    long Failed24h,
    DateTimeOffset? LastSuccessAt,
    DateTimeOffset? LastFailureAt,
    int ConsecutiveFailures,
    DateTimeOffset? FailingSince);
