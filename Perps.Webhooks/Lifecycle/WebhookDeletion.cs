using Npgsql;

namespace Perps.Webhooks.Lifecycle;

/// <summary>
/// Deletes a webhook with its deliveries and their attempts, in one transaction. The webhook's row goes first: that
/// waits for the batches recording deliveries to it (<see cref="DeliveryRecorder"/> locks each webhook it records
/// for) and keeps out those that come later, so the deliveries and attempts removed next are all it will ever have.
/// Queued work for it then finds nothing and is dropped.
/// </summary>
public sealed class WebhookDeletion(NpgsqlDataSource dataSource)
{
    public async Task<bool> DeleteAsync(string apiKeyId, string webhookId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var webhook = new NpgsqlCommand("DELETE FROM webhooks WHERE api_key_id = $1 AND id = $2", connection, transaction))
        {
            webhook.Parameters.Add(new() { Value = apiKeyId });
            webhook.Parameters.Add(new() { Value = webhookId });
            if (await webhook.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }
        }
        // Each statement its own snapshot, taken after the webhook's row was won: it sees every batch recorded before.
        await using var history = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new("DELETE FROM delivery_attempts a USING deliveries d WHERE d.webhook_id = $1 AND a.delivery_id = d.id") { Parameters = { new() { Value = webhookId } } },
                new("DELETE FROM deliveries WHERE webhook_id = $1") { Parameters = { new() { Value = webhookId } } },
            },
        };
        await history.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }
}
