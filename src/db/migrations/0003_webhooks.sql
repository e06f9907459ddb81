-- Webhooks: subscriptions, the deliveries fanned out of the event log (one
-- per event and target), each attempt at sending one, and the outbox cursor.
-- Timestamps are Unix seconds, except `next_attempt_at_ms`: retries are
-- scheduled with sub-second precision.

CREATE TABLE webhooks (
    id                         INTEGER PRIMARY KEY,
    workspace_id               INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    -- NULL: every inbox of the workspace (and the events of no inbox, such as
    -- contact_created); set: that inbox's events only.
    inbox_id                   INTEGER REFERENCES inboxes(id) ON DELETE CASCADE,
    name                       TEXT    NOT NULL DEFAULT '',
    url                        TEXT    NOT NULL,
    -- JSON array of event names.
    events                     TEXT    NOT NULL,
    -- JSON array of incoming, outgoing, private_note: the messages whose
    -- message_created and message_updated events are sent.
    message_kinds              TEXT    NOT NULL DEFAULT '["incoming","outgoing"]',
    active                     INTEGER NOT NULL DEFAULT 1,
    -- The signing secret (whsec_...), sealed by the vault; during a rotation
    -- the previous one too, until it expires.
    secret                     TEXT    NOT NULL,
    previous_secret            TEXT,
    previous_secret_expires_at INTEGER,
    -- Events up to this id were committed before the subscription existed.
    after_event_id             INTEGER NOT NULL,
    -- The first failed attempt since the last success.
    failing_since              INTEGER,
    disabled_reason            TEXT,
    created_at                 INTEGER NOT NULL,
    updated_at                 INTEGER NOT NULL
);

CREATE INDEX webhooks_by_workspace ON webhooks (workspace_id, id);
CREATE UNIQUE INDEX webhooks_url ON webhooks (workspace_id, url);
CREATE INDEX webhooks_by_inbox ON webhooks (inbox_id);

-- A delivery goes to a subscription (webhook_id) or, for outgoing messages of
-- an API inbox, to the inbox's callback URL (inbox_id and message_id).
CREATE TABLE webhook_deliveries (
    id                 INTEGER PRIMARY KEY,
    webhook_id         INTEGER REFERENCES webhooks(id) ON DELETE CASCADE,
    inbox_id           INTEGER REFERENCES inboxes(id) ON DELETE CASCADE,
    message_id         INTEGER,
    -- NULL for a ping.
    event_id           INTEGER,
    event              TEXT    NOT NULL,
    payload            TEXT    NOT NULL,
    -- The webhook-id header: the same for every attempt and replay.
    msg_id             TEXT    NOT NULL,
    status             TEXT    NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts           INTEGER NOT NULL DEFAULT 0,
    -- Attempts since the delivery was queued (or replayed): its place in the
    -- retry schedule.
    step               INTEGER NOT NULL DEFAULT 0,
    -- Order within the target's queue: a target gets its deliveries in `seq`
    -- order, and a replay puts a delivery at the end.
    seq                INTEGER NOT NULL,
    next_attempt_at_ms INTEGER NOT NULL,
    last_error         TEXT,
    created_at         INTEGER NOT NULL,
    completed_at       INTEGER,
    queue              TEXT GENERATED ALWAYS AS
                       (CASE WHEN webhook_id IS NOT NULL THEN 'w' || webhook_id
                             ELSE 'i' || inbox_id END) VIRTUAL,
    CHECK ((webhook_id IS NULL) <> (inbox_id IS NULL))
);

-- The worker's view: each queue's pending deliveries in order.
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (queue, seq)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_by_webhook_status ON webhook_deliveries (webhook_id, status, id);
CREATE INDEX webhook_deliveries_by_inbox ON webhook_deliveries (inbox_id);
CREATE INDEX webhook_deliveries_completed ON webhook_deliveries (completed_at)
    WHERE completed_at IS NOT NULL;

CREATE TABLE webhook_attempts (
    id               INTEGER PRIMARY KEY,
    delivery_id      INTEGER NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    at               INTEGER NOT NULL,
    -- NULL when no response came (refused target, timeout, connection error).
    status_code      INTEGER,
    latency_ms       INTEGER NOT NULL,
    -- JSON object of the response headers.
    response_headers TEXT    NOT NULL DEFAULT '{}',
    -- The first 4 KB of the response body.
    response_body    TEXT    NOT NULL DEFAULT '',
    error            TEXT
);

CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, id);

-- The outbox cursor: events up to `last_event_id` have been fanned out, and
-- the last `seq` given to a delivery. It starts after the events that exist
-- now, so upgrading sends nothing old.
CREATE TABLE webhook_outbox (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    last_event_id INTEGER NOT NULL,
    last_seq      INTEGER NOT NULL
);

INSERT INTO webhook_outbox (id, last_event_id, last_seq)
SELECT 1, coalesce(max(id), 0), 0 FROM events;
