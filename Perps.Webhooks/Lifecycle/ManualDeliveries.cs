using Microsoft.Extensions.Options;
using Npgsql;
using Perps.Webhooks.Delivery;

namespace Perps.Webhooks.Lifecycle;

/// <summary>What a user starts by hand: a redelivery, a recovery, a test send. Each checks the webhook is the user's.</summary>
public sealed class ManualDeliveries(NpgsqlDataSource dataSource, IOptions<DeliveryOptions> options)
{
    /// <summary>Puts a finished delivery back in line for a new round of attempts (same id, next attempt number); false when there is none to.</summary>
    public async Task<bool> RedeliverAsync(string apiKeyId, string webhookId, string deliveryId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE deliveries d SET status = '{DeliveryStatus.Pending}', round_start = d.attempts, next_attempt_at = now()
            FROM webhooks w
            WHERE d.id = $3 AND d.webhook_id = $2 AND w.id = d.webhook_id AND w.api_key_id = $1 AND d.status <> '{DeliveryStatus.Pending}'
            """);
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new() { Value = deliveryId });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Re-queues every failed delivery of the webhook created since the given time, and every one skipped while it was
    /// disabled automatically; returns how many.
    /// </summary>
    public async Task<int> RecoverAsync(string apiKeyId, string webhookId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            UPDATE deliveries d SET status = '{DeliveryStatus.Pending}', round_start = d.attempts, next_attempt_at = now()
            FROM webhooks w
            WHERE d.webhook_id = $2 AND w.id = d.webhook_id AND w.api_key_id = $1
              AND d.status IN ('{DeliveryStatus.Failed}', '{DeliveryStatus.Skipped}') AND d.created_at >= $3
            """);
        command.Parameters.Add(new() { Value = apiKeyId });
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new() { Value = since.ToUniversalTime() });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Stores a test event and its one delivery, claimed as attempt 1 and leased like any claim, so the test shows in
    /// the history and, should this process die before recording it, a dispatcher sends it once the lease runs out.
    /// The event is nobody's alert and awaits no fan-out. Null when the webhook was deleted meanwhile: nothing is stored.
    /// </summary>
    public async Task<DeliveryJob?> CreateTestAsync(
        string apiKeyId, string webhookId, string url, byte[] sealedSecret, string eventId, string type, string owner, string body, CancellationToken cancellationToken)
    {
        var deliveryId = Ids.New(Ids.Delivery);
        await using var command = dataSource.CreateCommand($"""
            WITH webhook AS (
                SELECT id FROM webhooks WHERE id = $6 FOR KEY SHARE
            ), event AS (
                INSERT INTO events (id, type, owner, body, is_test) SELECT $1, $2, $3, $4, true FROM webhook
                RETURNING created_at
            ), delivery AS (
                INSERT INTO deliveries (id, event_id, webhook_id, status, attempts, last_attempt_at, next_attempt_at)
                SELECT $5, $1, id, '{DeliveryStatus.Pending}', 1, now(), now() + $7 FROM webhook
            )
            SELECT created_at FROM event
            """);
        command.Parameters.Add(new() { Value = eventId });
        command.Parameters.Add(new() { Value = type });
        command.Parameters.Add(new() { Value = owner });
        command.Parameters.Add(new() { Value = body });
        command.Parameters.Add(new() { Value = deliveryId });
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new() { Value = options.Value.AttemptLease });
        if (await command.ExecuteScalarAsync(cancellationToken) is not DateTime storedAt)
        {
            return null;
        }
        return new DeliveryJob(deliveryId, eventId, webhookId, url, sealedSecret, type, body, Attempt: 1, AttemptInRound: 1,
            EventStoredAt: new DateTimeOffset(storedAt, TimeSpan.Zero), TenantId: apiKeyId) { IsTest = true };
    }
}
