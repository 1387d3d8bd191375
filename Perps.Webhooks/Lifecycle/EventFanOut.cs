using Npgsql;
using Perps.Webhooks.Delivery;
using Perps.Webhooks.Events;

namespace Perps.Webhooks.Lifecycle;

/// <summary>A delivery an event owes one webhook, found by the fan-out; <see cref="Send"/> is false for a webhook disabled automatically.</summary>
public sealed record FannedOutDelivery(DeliveryJob Job, bool Send);

/// <summary>
/// The fan-out: which webhooks each event owes a delivery, read without writing anything. The deliveries it finds
/// are written once, when recorded (<see cref="DeliveryRecorder"/>), so an event fanned out again after a crash
/// yields only the deliveries not recorded yet. Matching starts from the wallet index, so it costs what the watchers
/// of that wallet cost. A webhook disabled automatically gets its delivery as <c>skipped</c>, so its owner can
/// recover it; one its owner disabled gets none. A trade reaches only webhooks whose trade filters it meets (tested
/// here, against the event's columns, so a filtered-out trade costs no delivery and no request); a
/// <c>webhook.disabled</c> event (its owner is the API key) reaches the owner's other active webhooks subscribed to
/// it. A pair never gets two deliveries: the delivery id is derived from it (the event's time, then SHA-256 of
/// <c>event id/webhook id</c>; webhook ids hold no '/'), so the primary key keeps it unique.
/// </summary>
public sealed class EventFanOut(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// The deliveries owed by the events of the ticket's batches still awaiting fan-out, first attempts not yet
    /// stored (attempt 1).
    /// </summary>
    /// <remarks>
    /// The ticket bounds <c>fan_out_awaiting</c> itself, by its primary key, not the events: that table churns faster
    /// than its statistics, and with the bound on events alone a plan that took it for empty walked all of it for
    /// every fan-out (with 34,000 rows waiting, each fan-out took seconds, so more waited: the bench's half-load run
    /// collapsed). The events are read once, into <c>awaiting</c>, for both kinds of subscriber: trades' watchers,
    /// and the owner's other webhooks for a <c>webhook.disabled</c> event (each kind had read them by key on its own
    /// before).
    /// </remarks>
    public async Task<List<FannedOutDelivery>> MatchAsync(FanOutTicket ticket, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH awaiting AS MATERIALIZED (
                SELECT e.id, e.type, e.owner, e.body, e.created_at, e.market, e.side, e.size_usd, e.leverage, a.legacy_delivery_ids
                FROM fan_out_awaiting a
                CROSS JOIN LATERAL unnest(a.event_ids) AS awaited (event_id)
                JOIN events e ON e.id = awaited.event_id
                WHERE a.batch_id = ANY ($1)
            )
            SELECT p.delivery_id, e.id, w.id, w.url, w.secret, e.type, e.body, e.created_at, w.api_key_id, w.is_active, {EndpointColumns}
            FROM awaiting e
            JOIN wallets wl ON wl.address = e.owner
            JOIN webhooks w ON w.api_key_id = wl.api_key_id AND (w.is_active OR w.auto_disabled) AND e.type = ANY (w.events)
                AND (w.filter_markets IS NULL OR e.market = ANY (w.filter_markets))
                AND (w.filter_sides IS NULL OR e.side = ANY (w.filter_sides))
                AND (w.filter_min_size_usd IS NULL OR e.size_usd >= w.filter_min_size_usd)
                AND (w.filter_min_leverage IS NULL OR e.leverage >= w.filter_min_leverage)
                AND (w.filter_wallets IS NULL OR e.owner = ANY (w.filter_wallets))
            CROSS JOIN LATERAL (SELECT {DeliveryIdOf} AS delivery_id) p
            WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = p.delivery_id)
            UNION ALL
            SELECT p.delivery_id, e.id, w.id, w.url, w.secret, e.type, e.body, e.created_at, w.api_key_id, w.is_active, {EndpointColumns}
            FROM awaiting e
            JOIN webhooks w ON w.api_key_id = e.owner AND w.is_active AND e.type = ANY (w.events)
                AND w.id <> (e.body::json -> 'data' ->> 'webhook_id')
            CROSS JOIN LATERAL (SELECT {DeliveryIdOf} AS delivery_id) p
            WHERE e.type = '{EventTypes.WebhookDisabled}'
              AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = p.delivery_id)
            """);
        command.Parameters.Add(new() { Value = ticket.BatchIds.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new List<FannedOutDelivery>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var eventId = reader.GetString(1);
            var job = new DeliveryJob(
                DeliveryId: reader.GetString(0),
                EventId: eventId,
                WebhookId: reader.GetString(2),
                Url: reader.GetString(3),
                SealedSecret: reader.GetFieldValue<byte[]>(4),
                EventType: reader.GetString(5),
                Body: reader.GetString(6),
                Attempt: 1,
                AttemptInRound: 1,
                EventStoredAt: reader.GetFieldValue<DateTimeOffset>(7),
                TenantId: reader.GetString(8),
                TraceParent: ticket.TraceParentOf(eventId)) { Ticket = ticket };
            found.Add(new FannedOutDelivery(ReadEndpoint(job, reader, 10), Send: reader.GetBoolean(9)));
        }
        return found;
    }

    /// <summary>What the sender and the throttle need of the endpoint beyond its URL and secret; read by <see cref="ReadEndpoint"/>.</summary>
    public const string EndpointColumns = """
        CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_secret END,
        w.rate_limit,
        CASE WHEN w.paused_until > now() THEN w.paused_until END
        """;

    /// <summary>The job with the <see cref="EndpointColumns"/> read from <paramref name="first"/> on.</summary>
    public static DeliveryJob ReadEndpoint(DeliveryJob job, NpgsqlDataReader reader, int first) => job with
    {
        SealedPreviousSecret = reader.IsDBNull(first) ? null : reader.GetFieldValue<byte[]>(first),
        RateLimit = reader.IsDBNull(first + 1) ? null : reader.GetInt32(first + 1),
        PausedUntil = reader.IsDBNull(first + 2) ? null : reader.GetFieldValue<DateTimeOffset>(first + 2),
    };

    /// <summary>
    /// The delivery id of the pair (e, w), in the shape of <see cref="Ids"/>: 12 hex digits of the event's time in
    /// Unix milliseconds, then 20 of SHA-256 of <c>event id/webhook id</c>. An event awaiting fan-out since before ids
    /// sorted by time (<c>legacy_delivery_ids</c>, migration 7) keeps the old form, all 24 digits from the hash, so
    /// its fan-out still finds the deliveries it recorded then.
    /// </summary>
    private const string DeliveryIdOf = """
        CASE WHEN e.legacy_delivery_ids
             THEN 'dlv_' || left(encode(sha256(convert_to(e.id || '/' || w.id, 'UTF8')), 'hex'), 24)
             ELSE 'dlv_' || lpad(to_hex(floor(extract(epoch FROM e.created_at) * 1000)::bigint), 12, '0')
                  || left(encode(sha256(convert_to(e.id || '/' || w.id, 'UTF8')), 'hex'), 20)
        END
        """;

    /// <summary>Batches still awaiting fan-out, longest first, not seen in progress (nor stored) for <paramref name="grace"/>.</summary>
    public async Task<List<string>> UnseenForAsync(TimeSpan grace, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT batch_id FROM fan_out_awaiting WHERE last_seen_at <= now() - $1 ORDER BY last_seen_at LIMIT $2
            """);
        command.Parameters.Add(new() { Value = grace });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var batchIds = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            batchIds.Add(reader.GetString(0));
        }
        return batchIds;
    }

    /// <summary>
    /// Takes up for fan-out those of <paramref name="batchIds"/> still unseen for <paramref name="grace"/>, marking
    /// them seen in the same statement: when two replicas' sweeps find the same stranded batch, the second waits on
    /// the first's row lock, then sees the row seen and leaves it, so its events' first attempts go out once. Returns
    /// a ticket for the batches taken (without stream entries), or null when there are none.
    /// </summary>
    public async Task<FanOutTicket?> TakeUnseenAsync(IReadOnlyCollection<string> batchIds, TimeSpan grace, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE fan_out_awaiting SET last_seen_at = now()
            WHERE batch_id = ANY ($1) AND last_seen_at <= now() - $2
            RETURNING batch_id, event_ids
            """);
        command.Parameters.Add(new() { Value = batchIds.ToArray() });
        command.Parameters.Add(new() { Value = grace });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var taken = new List<string>();
        var events = new Dictionary<string, string?>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            taken.Add(reader.GetString(0));
            foreach (var eventId in reader.GetFieldValue<string[]>(1))
            {
                events[eventId] = null;
            }
        }
        return taken.Count == 0 ? null : new FanOutTicket([], taken, events);
    }

    /// <summary>
    /// Says the batches' fan-out is still in progress (its first attempts in flight), so no sweep takes them for lost.
    /// A row locked meanwhile is being released by the recorder, so it is skipped, not waited for: two statements
    /// that wait for each other's rows, reached in different orders, deadlock. The rows it locked are updated by their
    /// tuple ids, so no plan can join them back to the whole table: one that did (statistics taken at a quiet moment
    /// said the table was nearly empty) ran 11 and 22 s in a benchmark run, holding those locks, and every recorder
    /// releasing one of those events waited as long.
    /// </summary>
    public async Task SeenInProgressAsync(IReadOnlyCollection<string> batchIds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE fan_out_awaiting SET last_seen_at = now()
            WHERE ctid = ANY (ARRAY(SELECT ctid FROM fan_out_awaiting WHERE batch_id = ANY ($1) FOR UPDATE SKIP LOCKED))
            """);
        command.Parameters.Add(new() { Value = batchIds.ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
