using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Perps.Webhooks.Delivery;
using Perps.Webhooks.Events;

namespace Perps.Webhooks.Lifecycle;

/// <summary>What recording a batch changed beyond the deliveries: webhooks disabled, and the <c>webhook.disabled</c> events stored for them (to fan out).</summary>
public sealed record RecordedBatch(IReadOnlyList<string> Disabled, IReadOnlyList<string> NoticeEvents)
{
    public static readonly RecordedBatch Nothing = new([], []);
}

/// <summary>
/// Records deliveries, many per round trip, in one transaction: a fan-out's deliveries are created here, once, with
/// the outcome of their first attempt; the attempt rows; the state each attempt leads to; each endpoint's failure
/// streak; the automatic disabling of endpoints that keep failing or answer 410 Gone (their queued deliveries are then
/// cancelled by the dispatchers' scheduler, the one place that cancels), with a <c>webhook.disabled</c> event for the
/// owner's subscribed endpoints; the pause a 429 with Retry-After asks for; and the release of events whose fan-out
/// is fully recorded.
/// </summary>
public sealed class DeliveryRecorder(NpgsqlDataSource dataSource, IOptions<DeliveryOptions> options)
{
    /// <summary>Why an endpoint that answered 410 is disabled: its <c>disabled_reason</c>.</summary>
    public const string GoneReason = "the endpoint answered 410 Gone: disabled at once";

    /// <summary>Records the batch; returns the ids of the webhooks it disabled.</summary>
    public Task<RecordedBatch> RecordAsync(IReadOnlyList<AttemptRecord> records, CancellationToken cancellationToken) =>
        RecordAsync(records, [], cancellationToken);

    /// <summary>
    /// Records the batch and takes <paramref name="fannedOutBatches"/> (whose deliveries are all recorded) out of
    /// <c>fan_out_awaiting</c>; returns the webhooks it disabled and the <c>webhook.disabled</c> events stored for them.
    /// </summary>
    public async Task<RecordedBatch> RecordAsync(
        IReadOnlyList<AttemptRecord> records, IReadOnlyCollection<string> fannedOutBatches, CancellationToken cancellationToken)
    {
        if (records.Count == 0 && fannedOutBatches.Count == 0)
        {
            return RecordedBatch.Nothing;
        }
        await using var batch = dataSource.CreateBatch();
        if (records.Count > 0)
        {
            batch.BatchCommands.Add(AttemptsCommand(records));
        }
        if (fannedOutBatches.Count > 0)
        {
            var release = new NpgsqlBatchCommand("DELETE FROM fan_out_awaiting WHERE batch_id = ANY ($1)");
            release.Parameters.Add(new() { Value = fannedOutBatches.ToArray() });
            batch.BatchCommands.Add(release);
        }
        var streaks = WebhookStreak.From(records);
        if (streaks.Count > 0)
        {
            batch.BatchCommands.Add(StreaksCommand(streaks));
        }
        var health = records.Where(r => r.Outcome is not null && !r.IsTest).ToList();
        var pauses = health.Where(r => r.Outcome!.PauseRequested is not null).ToList();
        if (pauses.Count > 0)
        {
            batch.BatchCommands.Add(PauseCommand(pauses));
        }
        var gone = health.Where(r => r.Outcome!.IsGone).Select(r => r.WebhookId).Distinct().ToList();
        if (streaks.Any(s => s.Failures > 0) || gone.Count > 0)
        {
            batch.BatchCommands.Add(DisableCommand(streaks, gone));
        }

        // Only the disable statement returns rows, and Npgsql's reader starts on the first result that has them.
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var disabled = new List<string>();
        var notices = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            disabled.Add(reader.GetString(0));
            if (!reader.IsDBNull(1))
            {
                notices.Add(reader.GetString(1));
            }
        }
        return new RecordedBatch(disabled, notices);
    }

    /// <summary>
    /// Every attempt made is kept in the history. A fan-out's delivery is created with its first attempt's outcome
    /// (or, not attempted, due later or skipped); one recorded before (the fan-out ran again after a crash) is kept.
    /// A delivery that exists moves only on the result of the attempt it is waiting for (same attempt number, still
    /// pending): a late result of an earlier attempt, or of one whose lease ran out and was taken over, never
    /// overwrites a newer state. Nothing is recorded for a webhook deleted meanwhile: each webhook of the batch is
    /// locked against deletion (<c>FOR KEY SHARE</c>, once, where a foreign key would check every row), so deleting
    /// one waits for the batches recording it and then removes what they wrote (<c>WebhookDeletion</c>).
    /// </summary>
    private static NpgsqlBatchCommand AttemptsCommand(IReadOnlyList<AttemptRecord> records)
    {
        var command = new NpgsqlBatchCommand($"""
            WITH input AS (
                SELECT * FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::int[], $5::float8[], $6::text[], $7::text[],
                                     $8::text[], $9::interval[], $10::text[], $11::text[])
                    AS r(delivery_id, attempt, attempted_at, status_code, duration_ms, error, response_body,
                         status, retry_in, webhook_id, new_of_event)
            ), live AS (
                SELECT w.id FROM webhooks w WHERE w.id IN (SELECT webhook_id FROM input) FOR KEY SHARE
            ), created AS (
                INSERT INTO deliveries (id, event_id, webhook_id, status, attempts, last_status_code, last_error, last_attempt_at, next_attempt_at)
                SELECT i.delivery_id, i.new_of_event, i.webhook_id, i.status, i.attempt, i.status_code, i.error, i.attempted_at, now() + i.retry_in
                FROM input i
                WHERE i.new_of_event IS NOT NULL AND i.webhook_id IN (SELECT id FROM live)
                ON CONFLICT (id) DO NOTHING
                RETURNING id
            ), updated AS (
                UPDATE deliveries d
                SET status = i.status, last_status_code = i.status_code, last_error = i.error,
                    last_attempt_at = i.attempted_at, next_attempt_at = now() + i.retry_in
                FROM input i
                WHERE i.new_of_event IS NULL AND d.id = i.delivery_id AND d.attempts = i.attempt AND d.status = '{DeliveryStatus.Pending}'
            )
            INSERT INTO delivery_attempts (delivery_id, attempt, attempted_at, status_code, duration_ms, error, response_body)
            SELECT i.delivery_id, i.attempt, i.attempted_at, i.status_code, i.duration_ms, i.error, i.response_body
            FROM input i
            WHERE i.attempted_at IS NOT NULL
              AND (i.delivery_id IN (SELECT id FROM created)
                   OR (i.new_of_event IS NULL AND i.webhook_id IN (SELECT id FROM live)
                       AND EXISTS (SELECT 1 FROM deliveries d WHERE d.id = i.delivery_id FOR KEY SHARE)))
            ON CONFLICT DO NOTHING
            """);
        command.Parameters.Add(new() { Value = records.Select(r => r.DeliveryId).ToArray() });
        command.Parameters.Add(new() { Value = records.Select(r => r.Attempt).ToArray() });
        command.Parameters.Add(new() { Value = records.Select(r => r.Outcome?.AttemptedAt.ToUniversalTime()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = records.Select(r => r.Outcome?.StatusCode).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new() { Value = records.Select(r => r.Outcome?.Duration.TotalMilliseconds).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double });
        command.Parameters.Add(new() { Value = records.Select(r => r.Outcome is { } o ? o.Error : r.Note).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = records.Select(r => r.Outcome?.ResponseBody).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = records.Select(r => r.Status).ToArray() });
        command.Parameters.Add(new() { Value = records.Select(r => r.RetryIn).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Interval });
        command.Parameters.Add(new() { Value = records.Select(r => r.WebhookId).ToArray() });
        command.Parameters.Add(new() { Value = records.Select(r => r.NewDeliveryOfEvent).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        return command;
    }

    /// <summary>
    /// The SET expressions read the row's latest version, so two replicas updating one endpoint both count. A healthy
    /// endpoint's row is left alone: rewriting it with the same zeros would make every batch of every replica queue
    /// for that one row's lock. A streak starts on the database's clock, the one the disable rule reads.
    /// </summary>
    private static NpgsqlBatchCommand StreaksCommand(IReadOnlyList<WebhookStreak> streaks)
    {
        var command = new NpgsqlBatchCommand("""
            UPDATE webhooks w
            SET consecutive_failures = CASE WHEN i.reset THEN i.failures ELSE w.consecutive_failures + i.failures END,
                failing_since = CASE WHEN i.failures = 0 THEN NULL
                                     WHEN i.reset OR w.failing_since IS NULL THEN now()
                                     ELSE w.failing_since END
            FROM unnest($1::text[], $2::bool[], $3::int[]) AS i(webhook_id, reset, failures)
            WHERE w.id = i.webhook_id
              AND NOT (i.failures = 0 AND w.consecutive_failures = 0 AND w.failing_since IS NULL)
            """);
        command.Parameters.Add(new() { Value = streaks.Select(s => s.WebhookId).ToArray() });
        command.Parameters.Add(new() { Value = streaks.Select(s => s.Reset).ToArray() });
        command.Parameters.Add(new() { Value = streaks.Select(s => s.Failures).ToArray() });
        return command;
    }

    /// <summary>
    /// A 429 with Retry-After pauses the whole endpoint (never past <see cref="DeliveryOptions.MaxRetryAfter"/>): the
    /// fan-out and the scheduler read <c>paused_until</c> into every job, and the throttle holds them until then.
    /// </summary>
    private NpgsqlBatchCommand PauseCommand(IReadOnlyList<AttemptRecord> pauses)
    {
        var command = new NpgsqlBatchCommand("""
            UPDATE webhooks w SET paused_until = greatest(w.paused_until, p.until)
            FROM (SELECT webhook_id, max(now() + least(pause, $3)) AS until
                  FROM unnest($1::text[], $2::interval[]) AS i(webhook_id, pause) GROUP BY webhook_id) p
            WHERE w.id = p.webhook_id
            """);
        command.Parameters.Add(new() { Value = pauses.Select(r => r.WebhookId).ToArray() });
        command.Parameters.Add(new() { Value = pauses.Select(r => r.Outcome!.PauseRequested!.Value).ToArray() });
        command.Parameters.Add(new() { Value = options.Value.MaxRetryAfter });
        return command;
    }

    /// <summary>
    /// Disables the endpoints whose streak reached the rule, and those that answered 410 Gone (at once), as disabled
    /// automatically (events meanwhile are recorded skipped, for recover). For each, when the owner has another active
    /// webhook subscribed to <c>webhook.disabled</c>, stores that event (addressed to the owner's API key, awaiting
    /// fan-out, a batch of its own) in the same statement; its body is compact JSON in the trade events' shape.
    /// Returns each disabled webhook with its event, if any.
    /// </summary>
    private NpgsqlBatchCommand DisableCommand(IReadOnlyList<WebhookStreak> streaks, IReadOnlyList<string> gone)
    {
        var command = new NpgsqlBatchCommand($$$"""
            WITH disabled AS (
                UPDATE webhooks
                SET is_active = false, auto_disabled = true, disabled_at = now(), updated_at = now(),
                    disabled_reason = CASE WHEN id = ANY($4) THEN $5
                                           ELSE format('%s consecutive failed deliveries since %s', consecutive_failures,
                                                       to_char(failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) END
                WHERE is_active AND (id = ANY($4) OR (id = ANY($1) AND consecutive_failures >= $2 AND failing_since <= now() - $3))
                RETURNING id, api_key_id, url, disabled_at, disabled_reason, consecutive_failures
            ), notice AS (
                SELECT d.*, 'evt_' || left(replace(gen_random_uuid()::text, '-', ''), 24) AS event_id
                FROM disabled d
                WHERE EXISTS (SELECT 1 FROM webhooks o
                              WHERE o.api_key_id = d.api_key_id AND o.id <> d.id AND o.is_active AND '{{{EventTypes.WebhookDisabled}}}' = ANY (o.events))
            ), stored AS (
                INSERT INTO events (id, type, owner, body)
                SELECT n.event_id, '{{{EventTypes.WebhookDisabled}}}', n.api_key_id,
                       format('{"id":%s,"type":"{{{EventTypes.WebhookDisabled}}}","created":%s,"data":{"webhook_id":%s,"url":%s,"disabled_at":%s,"reason":%s,"consecutive_failures":%s}}',
                              to_json(n.event_id), floor(extract(epoch FROM now()))::bigint, to_json(n.id), to_json(n.url),
                              to_json(to_char(n.disabled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
                              to_json(n.disabled_reason), n.consecutive_failures)
                FROM notice n
            ), awaiting AS (
                INSERT INTO fan_out_awaiting (batch_id, event_ids) SELECT event_id, ARRAY[event_id] FROM notice
            )
            SELECT d.id, n.event_id FROM disabled d LEFT JOIN notice n ON n.id = d.id
            """);
        command.Parameters.Add(new() { Value = streaks.Select(s => s.WebhookId).ToArray() });
        command.Parameters.Add(new() { Value = options.Value.DisableAfterFailures });
        command.Parameters.Add(new() { Value = options.Value.DisableAfterSpan });
        command.Parameters.Add(new() { Value = gone.ToArray() });
        command.Parameters.Add(new() { Value = GoneReason });
        return command;
    }

    /// <summary>
    /// What a batch of finished deliveries does to one endpoint's run of consecutive failures (test sends aside). A
    /// delivery that ended on a 429 with Retry-After is neither: the endpoint asked to be sent less, it did not fail.
    /// </summary>
    private sealed record WebhookStreak(string WebhookId, bool Reset, int Failures)
    {
        public static List<WebhookStreak> From(IReadOnlyList<AttemptRecord> records) =>
            records.Where(r => r.Outcome is not null && r.Status != DeliveryStatus.Pending && !r.IsTest && r.Outcome.PauseRequested is null)
                .GroupBy(r => r.WebhookId)
                .Select(group =>
                {
                    var finished = group.OrderBy(r => r.Outcome!.AttemptedAt).ToList();
                    var lastSuccess = finished.FindLastIndex(r => r.Status == DeliveryStatus.Succeeded);
                    return new WebhookStreak(group.Key, lastSuccess >= 0, finished.Count - lastSuccess - 1);
                })
                .ToList();
    }
}
