-- The conversation core: inboxes, contacts, conversations, messages,
-- attachments, teams, labels, custom attribute definitions, canned responses,
-- the event log (the outbox) and full-text search.

-- Per-workspace display ids for conversations come from this counter,
-- bumped in the same transaction that creates the conversation.
ALTER TABLE workspaces ADD COLUMN conversation_counter INTEGER NOT NULL DEFAULT 0;

CREATE TABLE inboxes (
    id               INTEGER PRIMARY KEY,
    workspace_id     INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name             TEXT    NOT NULL,
    channel_type     TEXT    NOT NULL CHECK (channel_type IN ('web_widget', 'api')),
    -- Public identifiers: the widget's website token, the API channel's
    -- inbox identifier. Both are random and unique.
    website_token    TEXT UNIQUE,
    inbox_identifier TEXT UNIQUE,
    -- Channel settings that are not secret (colours, texts, hours, domains,
    -- callback URL), as a JSON object.
    settings         TEXT    NOT NULL DEFAULT '{}',
    -- The identity-verification (HMAC) secret of a widget, or the signing
    -- secret of an API channel's callbacks.
    secret           TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

CREATE INDEX inboxes_by_workspace ON inboxes (workspace_id, id);

CREATE TABLE inbox_members (
    inbox_id   INTEGER NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (inbox_id, user_id)
) WITHOUT ROWID;

CREATE INDEX inbox_members_by_user ON inbox_members (user_id, inbox_id);

CREATE TABLE teams (
    id                INTEGER PRIMARY KEY,
    workspace_id      INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name              TEXT    NOT NULL,
    description       TEXT    NOT NULL DEFAULT '',
    allow_auto_assign INTEGER NOT NULL DEFAULT 1,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);

CREATE UNIQUE INDEX teams_name ON teams (workspace_id, name COLLATE NOCASE);

CREATE TABLE team_members (
    team_id    INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (team_id, user_id)
) WITHOUT ROWID;

CREATE INDEX team_members_by_user ON team_members (user_id, team_id);

CREATE TABLE contacts (
    id                    INTEGER PRIMARY KEY,
    workspace_id          INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name                  TEXT    NOT NULL DEFAULT '',
    -- Lower-cased; unique per workspace.
    email                 TEXT,
    -- E.164; unique per workspace.
    phone_number          TEXT,
    -- The integrator's own user id; unique per workspace.
    identifier            TEXT,
    avatar_url            TEXT,
    additional_attributes TEXT    NOT NULL DEFAULT '{}',
    custom_attributes     TEXT    NOT NULL DEFAULT '{}',
    blocked               INTEGER NOT NULL DEFAULT 0,
    last_activity_at      INTEGER,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
);

CREATE UNIQUE INDEX contacts_email ON contacts (workspace_id, email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX contacts_phone ON contacts (workspace_id, phone_number) WHERE phone_number IS NOT NULL;
CREATE UNIQUE INDEX contacts_identifier ON contacts (workspace_id, identifier) WHERE identifier IS NOT NULL;
CREATE INDEX contacts_by_name ON contacts (workspace_id, name COLLATE NOCASE, id);
CREATE INDEX contacts_by_activity ON contacts (workspace_id, last_activity_at, id);
CREATE INDEX contacts_by_created ON contacts (workspace_id, created_at, id);

-- A contact's presence in an inbox: the source id the channel knows them by,
-- and the pubsub token their live socket subscribes with.
CREATE TABLE contact_inboxes (
    id            INTEGER PRIMARY KEY,
    contact_id    INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    inbox_id      INTEGER NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
    source_id     TEXT    NOT NULL,
    pubsub_token  TEXT    NOT NULL UNIQUE,
    hmac_verified INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    UNIQUE (inbox_id, source_id)
);

CREATE INDEX contact_inboxes_by_contact ON contact_inboxes (contact_id);

CREATE TABLE contact_notes (
    id         INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    user_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    content    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE INDEX contact_notes_by_contact ON contact_notes (contact_id, id);

CREATE TABLE labels (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    title           TEXT    NOT NULL,
    description     TEXT    NOT NULL DEFAULT '',
    color           TEXT    NOT NULL DEFAULT '#1f93ff',
    show_on_sidebar INTEGER NOT NULL DEFAULT 1,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE UNIQUE INDEX labels_title ON labels (workspace_id, title COLLATE NOCASE);

CREATE TABLE conversations (
    id                     INTEGER PRIMARY KEY,
    workspace_id           INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    -- The id users see (and the API's paths use), counted per workspace.
    display_id             INTEGER NOT NULL,
    inbox_id               INTEGER NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
    contact_id             INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    contact_inbox_id       INTEGER REFERENCES contact_inboxes(id) ON DELETE SET NULL,
    status                 TEXT    NOT NULL DEFAULT 'open'
                           CHECK (status IN ('open', 'pending', 'snoozed', 'resolved')),
    snoozed_until          INTEGER,
    priority               TEXT CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    assignee_id            INTEGER REFERENCES users(id) ON DELETE SET NULL,
    team_id                INTEGER REFERENCES teams(id) ON DELETE SET NULL,
    custom_attributes      TEXT    NOT NULL DEFAULT '{}',
    additional_attributes  TEXT    NOT NULL DEFAULT '{}',
    muted                  INTEGER NOT NULL DEFAULT 0,
    agent_last_seen_at     INTEGER,
    contact_last_seen_at   INTEGER,
    first_reply_created_at INTEGER,
    waiting_since          INTEGER,
    last_activity_at       INTEGER NOT NULL,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL,
    UNIQUE (workspace_id, display_id)
);

-- The list's filters (status, assignee, inbox, team) each lead an index that
-- ends in the sort key, so every page is an index range.
CREATE INDEX conversations_by_status ON conversations (workspace_id, status, last_activity_at, id);
CREATE INDEX conversations_by_assignee ON conversations (workspace_id, assignee_id, status, last_activity_at);
CREATE INDEX conversations_by_inbox ON conversations (inbox_id, status, last_activity_at);
CREATE INDEX conversations_by_team ON conversations (team_id, status, last_activity_at);
CREATE INDEX conversations_by_contact ON conversations (contact_id, id);
CREATE INDEX conversations_snoozed ON conversations (snoozed_until) WHERE status = 'snoozed';

CREATE TABLE conversation_labels (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    label_id        INTEGER NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
    PRIMARY KEY (conversation_id, label_id)
) WITHOUT ROWID;

CREATE INDEX conversation_labels_by_label ON conversation_labels (label_id, conversation_id);

CREATE TABLE messages (
    id                 INTEGER PRIMARY KEY,
    workspace_id       INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    conversation_id    INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    inbox_id           INTEGER NOT NULL,
    -- 0 incoming, 1 outgoing, 2 activity, 3 template (Chatwoot's numbering).
    message_type       INTEGER NOT NULL CHECK (message_type BETWEEN 0 AND 3),
    content            TEXT,
    content_type       TEXT    NOT NULL DEFAULT 'text',
    content_attributes TEXT    NOT NULL DEFAULT '{}',
    private            INTEGER NOT NULL DEFAULT 0,
    status             TEXT    NOT NULL DEFAULT 'sent'
                       CHECK (status IN ('progress', 'sent', 'delivered', 'read', 'failed')),
    source_id          TEXT,
    echo_id            TEXT,
    -- 'user' (an agent), 'contact', or NULL (the system: activity messages).
    sender_type        TEXT CHECK (sender_type IN ('user', 'contact')),
    sender_id          INTEGER,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);

CREATE INDEX messages_by_conversation ON messages (conversation_id, id);

-- Files are stored once per content (by SHA-256) under the attachments
-- directory; a row per message that carries one.
CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    message_id   INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    file_type    TEXT    NOT NULL CHECK (file_type IN ('image', 'audio', 'video', 'file')),
    content_type TEXT    NOT NULL,
    file_name    TEXT    NOT NULL,
    byte_size    INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE INDEX attachments_by_message ON attachments (message_id);
CREATE INDEX attachments_by_sha256 ON attachments (sha256);

CREATE TABLE custom_attribute_definitions (
    id                     INTEGER PRIMARY KEY,
    workspace_id           INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    attribute_model        TEXT    NOT NULL
                           CHECK (attribute_model IN ('contact_attribute', 'conversation_attribute')),
    attribute_key          TEXT    NOT NULL,
    attribute_display_name TEXT    NOT NULL,
    attribute_display_type TEXT    NOT NULL CHECK (attribute_display_type IN
                           ('text', 'number', 'currency', 'percent', 'link', 'date', 'list', 'checkbox')),
    attribute_description  TEXT    NOT NULL DEFAULT '',
    -- For lists: the allowed values, as a JSON array.
    attribute_values       TEXT    NOT NULL DEFAULT '[]',
    regex_pattern          TEXT,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL,
    UNIQUE (workspace_id, attribute_model, attribute_key)
);

CREATE TABLE canned_responses (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    short_code   TEXT    NOT NULL,
    content      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

CREATE UNIQUE INDEX canned_responses_short_code ON canned_responses (workspace_id, short_code);

-- Every change a webhook or a live view cares about, written in the same
-- transaction as the change: the outbox that the webhook worker drains and
-- the log live sockets resume from.
CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL,
    name            TEXT    NOT NULL,
    inbox_id        INTEGER,
    conversation_id INTEGER,
    contact_id      INTEGER,
    -- Set for events about private notes, which contacts never see.
    private         INTEGER NOT NULL DEFAULT 0,
    payload         TEXT    NOT NULL,
    created_at      INTEGER NOT NULL
);

CREATE INDEX events_by_workspace ON events (workspace_id, id);

-- Full-text search. External-content tables over messages and contacts,
-- kept in step by triggers.
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    content, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
WHEN new.content IS NOT NULL AND new.message_type <> 2 BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
WHEN old.content IS NOT NULL AND old.message_type <> 2 BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
        SELECT 'delete', old.id, old.content WHERE old.content IS NOT NULL AND old.message_type <> 2;
    INSERT INTO messages_fts (rowid, content)
        SELECT new.id, new.content WHERE new.content IS NOT NULL AND new.message_type <> 2;
END;

CREATE VIRTUAL TABLE contacts_fts USING fts5 (
    name, email, phone_number, identifier,
    content = 'contacts', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_fts (rowid, name, email, phone_number, identifier)
    VALUES (new.id, new.name, new.email, new.phone_number, new.identifier);
END;

CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, name, email, phone_number, identifier)
    VALUES ('delete', old.id, old.name, old.email, old.phone_number, old.identifier);
END;

CREATE TRIGGER contacts_fts_update AFTER UPDATE OF name, email, phone_number, identifier ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, name, email, phone_number, identifier)
    VALUES ('delete', old.id, old.name, old.email, old.phone_number, old.identifier);
    INSERT INTO contacts_fts (rowid, name, email, phone_number, identifier)
    VALUES (new.id, new.name, new.email, new.phone_number, new.identifier);
END;

-- Facts about this installation: the key that signs attachment URLs
-- (generated here) and the public URL they point at (written at start).
CREATE TABLE instance_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

INSERT INTO instance_settings (key, value) VALUES ('url_signing_key', lower(hex(randomblob(32))));
