namespace Perps.Webhooks.Schema;

/// <summary>The schema, as numbered steps applied once each, in order. Never edit a step that has shipped: add one.</summary>
public static class Migrations
{
    public static readonly IReadOnlyList<string> Steps =
    [
        """
        CREATE TABLE api_keys (
            id          text PRIMARY KEY,
            name        text NOT NULL,
            key_hash    bytea NOT NULL UNIQUE,
            created_at  timestamptz NOT NULL DEFAULT now(),
            revoked_at  timestamptz
        );

        CREATE TABLE wallets (
            api_key_id  text NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
            address     text NOT NULL,
            created_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (api_key_id, address)
        );
        -- Fan-out starts from the wallet: its cost follows the watchers of that wallet, not the table size.
        CREATE INDEX wallets_by_address ON wallets (address);

        CREATE TABLE webhooks (
            id                    text PRIMARY KEY,
            api_key_id            text NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
            url                   text NOT NULL,
            events                text[] NOT NULL,
            secret                bytea NOT NULL, -- AES-GCM sealed; the key is not in the database
            is_active             boolean NOT NULL DEFAULT true,
            disabled_at           timestamptz,
            disabled_reason       text,
            consecutive_failures  int NOT NULL DEFAULT 0,
            failing_since         timestamptz,
            created_at            timestamptz NOT NULL DEFAULT now(),
            updated_at            timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX webhooks_by_owner ON webhooks (api_key_id, created_at);

        CREATE TABLE events (
            id             text PRIMARY KEY,
            type           text NOT NULL,
            owner          text NOT NULL,
            body           text NOT NULL, -- the exact bytes every endpoint receives
            created_at     timestamptz NOT NULL DEFAULT now(),
            fanned_out_at  timestamptz
        );
        CREATE INDEX events_awaiting_fan_out ON events (created_at) WHERE fanned_out_at IS NULL;

        CREATE TABLE deliveries (
            id                text PRIMARY KEY,
            event_id          text NOT NULL REFERENCES events (id) ON DELETE CASCADE,
            webhook_id        text NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
            status            text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
            attempts          int NOT NULL DEFAULT 0,
            round_start       int NOT NULL DEFAULT 0, -- attempts made before the current redelivery or recovery
            last_status_code  int,
            last_error        text,
            created_at        timestamptz NOT NULL DEFAULT now(),
            last_attempt_at   timestamptz,
            next_attempt_at   timestamptz,
            UNIQUE (event_id, webhook_id)
        );
        CREATE INDEX deliveries_by_webhook ON deliveries (webhook_id, created_at DESC, id DESC);
        CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';

        CREATE TABLE delivery_attempts (
            delivery_id    text NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
            attempt        int NOT NULL,
            attempted_at   timestamptz NOT NULL,
            status_code    int,
            duration_ms    double precision NOT NULL,
            error          text,
            response_body  text,
            PRIMARY KEY (delivery_id, attempt)
        );
        """,
        """
        -- Fan-out names each delivery after its (event, webhook) pair, so the primary key alone keeps one delivery
        -- per pair, and events are never deleted: the pair's unique index and the event reference only cost every
        -- insert an index entry and a lookup.
        ALTER TABLE deliveries DROP CONSTRAINT deliveries_event_id_webhook_id_key;
        ALTER TABLE deliveries DROP CONSTRAINT deliveries_event_id_fkey;
        """,
        """
        -- A delivery of an event that arrived while its endpoint was disabled automatically is recorded as skipped,
        -- so recover can send it once the endpoint is back; an endpoint its owner disabled records nothing.
        ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
        ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (status IN ('pending', 'succeeded', 'failed', 'skipped'));
        ALTER TABLE webhooks ADD COLUMN auto_disabled boolean NOT NULL DEFAULT false;
        UPDATE webhooks SET auto_disabled = true WHERE NOT is_active AND disabled_reason IS DISTINCT FROM 'disabled by the user';
        """,
        """
        -- The alert log: each event's position is (accepted_xid, seq), the id of the transaction that stored it and
        -- its place in that transaction. Every transaction with an id below the oldest one still running has ended,
        -- so the positions below that horizon are final: readers tail them in order without ever skipping a row
        -- that commits late. The epoch names this log, so a cursor from a database that was lost is recognised.
        ALTER TABLE events ADD COLUMN accepted_xid bigint NOT NULL DEFAULT pg_current_xact_id()::text::bigint;
        ALTER TABLE events ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
        ALTER TABLE events ADD COLUMN trace_parent text;
        ALTER TABLE events ADD COLUMN is_test boolean NOT NULL DEFAULT false;
        CREATE UNIQUE INDEX events_by_position ON events (accepted_xid, seq);
        CREATE INDEX events_by_owner_position ON events (owner, accepted_xid, seq);
        CREATE TABLE event_log (epoch text NOT NULL);
        INSERT INTO event_log (epoch) VALUES (left(md5(gen_random_uuid()::text), 12));
        """,
        """
        -- Deliveries are written once: a first attempt is sent before its delivery row exists, and the delivery, the
        -- attempt and its outcome are recorded together afterwards. An event waiting for that is a row of this narrow
        -- table (deleted once its deliveries are recorded), not a second version of the event row with its body and
        -- four index entries. last_seen_at is when the event was stored, then when a dispatcher last said its fan-out
        -- is still in progress: only events not seen for a while are swept up as lost.
        CREATE TABLE fan_out_awaiting (
            event_id      text PRIMARY KEY,
            last_seen_at  timestamptz NOT NULL DEFAULT now()
        );
        INSERT INTO fan_out_awaiting (event_id, last_seen_at) SELECT id, created_at FROM events WHERE fanned_out_at IS NULL AND NOT is_test;
        DROP INDEX events_awaiting_fan_out;
        ALTER TABLE events DROP COLUMN fanned_out_at;
        """,
        """
        -- Subscriptions that fit traders (issue 14). Trade filters are columns of the webhook, tested by the fan-out
        -- against columns of the event written at ingestion (NULL: no condition; the operational event
        -- webhook.disabled has none of them). rate_limit is deliveries per second to the endpoint (NULL: none);
        -- paused_until is set by a 429 with Retry-After and holds every delivery to the endpoint until then. The
        -- previous secret (sealed like the current one) also signs the Standard Webhooks header until it expires.
        ALTER TABLE webhooks
            ADD COLUMN filter_markets              text[],
            ADD COLUMN filter_sides                text[],
            ADD COLUMN filter_min_size_usd         double precision,
            ADD COLUMN filter_min_leverage         double precision,
            ADD COLUMN filter_wallets              text[],
            ADD COLUMN rate_limit                  int,
            ADD COLUMN paused_until                timestamptz,
            ADD COLUMN previous_secret             bytea,
            ADD COLUMN previous_secret_expires_at  timestamptz;
        ALTER TABLE events
            ADD COLUMN market    text,
            ADD COLUMN side      text,
            ADD COLUMN size_usd  double precision,
            ADD COLUMN leverage  double precision;
        """,
        """
        -- Ids sort by creation time (Ids.New; a delivery's id starts with its event's time), so new rows go to the end
        -- of each primary-key index instead of a random page of it. An event awaiting fan-out across this change keeps
        -- the old form of delivery id, so its fan-out still finds the deliveries it recorded before.
        ALTER TABLE fan_out_awaiting ADD COLUMN legacy_delivery_ids boolean NOT NULL DEFAULT false;
        UPDATE fan_out_awaiting SET legacy_delivery_ids = true;
        """,
        """
        -- Each delivery recorded paid for two foreign-key checks, a query per row run by a trigger (about a sixth of
        -- Postgres's CPU in the benchmark). What they guarded is now held by the statements themselves: recording
        -- locks each webhook once per batch (FOR KEY SHARE, as the check did) and records nothing for one deleted;
        -- deleting a webhook removes its deliveries and their attempts in the same transaction; retention removes a
        -- delivery's attempts with it.
        ALTER TABLE deliveries DROP CONSTRAINT deliveries_webhook_id_fkey;
        ALTER TABLE delivery_attempts DROP CONSTRAINT delivery_attempts_delivery_id_fkey;
        """,
        """
        -- The events one ingest request stored await fan-out as one row, their batch, not a row each: a request of 50
        -- events costs this table one insert, one index entry and one delete instead of 50 of each, and the lease
        -- renewal and the sweep read as many fewer rows. A batch id is Ids.New("batch") for a request; an event that
        -- is a batch of its own (a webhook.disabled notice, or one awaiting fan-out across this change) has its event
        -- id as its batch id.
        ALTER TABLE fan_out_awaiting RENAME COLUMN event_id TO batch_id;
        ALTER TABLE fan_out_awaiting ADD COLUMN event_ids text[];
        UPDATE fan_out_awaiting SET event_ids = ARRAY[batch_id];
        ALTER TABLE fan_out_awaiting ALTER COLUMN event_ids SET NOT NULL;
        """,
    ];
}
