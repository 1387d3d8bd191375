using Npgsql;
using Perps.Webhooks.Lifecycle;

namespace Perps.Api.Data;

/// <summary>
/// A webhook's delivery figures, computed by Postgres in one round trip. Each statement reads the webhook's
/// deliveries of a time window through <c>deliveries_by_webhook</c> (webhook_id, created_at): its cost follows that
/// webhook's traffic in the window, never the table's size. The caller has checked that the webhook is the key's.
/// </summary>
internal sealed class DeliveryStatsStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    public static readonly TimeSpan SummaryWindow = TimeSpan.FromHours(24);
    public const int ChartMinutes = 60;

    public async Task<DeliveryFigures> GetAsync(string webhookId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var daySince = now - SummaryWindow;
        var currentMinute = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
        var hourSince = currentMinute.AddMinutes(-(ChartMinutes - 1));

        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command($"""
            SELECT count(*)::int,
                   count(*) FILTER (WHERE status = '{DeliveryStatus.Succeeded}')::int,
                   count(*) FILTER (WHERE status = '{DeliveryStatus.Failed}')::int,
                   count(*) FILTER (WHERE status = '{DeliveryStatus.Pending}')::int,
                   count(*) FILTER (WHERE status = '{DeliveryStatus.Skipped}')::int,
                   max(coalesce(last_attempt_at, created_at))
            FROM deliveries WHERE webhook_id = $1 AND created_at >= $2
            """, webhookId, daySince));
        batch.BatchCommands.Add(Command("""
            SELECT date_bin('1 minute', created_at, $2) AS minute, status, count(*)::int
            FROM deliveries WHERE webhook_id = $1 AND created_at >= $2
            GROUP BY 1, 2
            """, webhookId, hourSince));
        batch.BatchCommands.Add(Command("""
            SELECT count(*)::int,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY a.duration_ms),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY a.duration_ms)
            FROM deliveries d JOIN delivery_attempts a ON a.delivery_id = d.id
            WHERE d.webhook_id = $1 AND d.created_at >= $2
            """, webhookId, hourSince));

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);

        await reader.ReadAsync(cancellationToken);
        var lastDay = new DayDeliveryCounts(
            reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4),
            reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5));

        await reader.NextResultAsync(cancellationToken);
        var minutes = Enumerable.Range(0, ChartMinutes).Select(i => new MinuteDeliveryCounts(hourSince.AddMinutes(i), 0, 0, 0, 0)).ToArray();
        while (await reader.ReadAsync(cancellationToken))
        {
            var index = (int)((reader.GetFieldValue<DateTimeOffset>(0) - hourSince).Ticks / TimeSpan.TicksPerMinute);
            if (index is < 0 or >= ChartMinutes)
            {
                continue; // created after "now" was read
            }
            var count = reader.GetInt32(2);
            var bucket = minutes[index];
            minutes[index] = reader.GetString(1) switch
            {
                DeliveryStatus.Succeeded => bucket with { Succeeded = bucket.Succeeded + count },
                DeliveryStatus.Failed => bucket with { Failed = bucket.Failed + count },
                DeliveryStatus.Pending => bucket with { Pending = bucket.Pending + count },
                _ => bucket with { Skipped = bucket.Skipped + count },
            };
        }

        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var durations = new AttemptDurationFigures(reader.GetInt32(0),
            reader.IsDBNull(1) ? null : reader.GetDouble(1),
            reader.IsDBNull(2) ? null : reader.GetDouble(2));

        return new DeliveryFigures(now, lastDay, minutes, durations);
    }

    private static NpgsqlBatchCommand Command(string sql, string webhookId, DateTimeOffset since)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new() { Value = webhookId });
        command.Parameters.Add(new() { Value = since });
        return command;
    }
}
