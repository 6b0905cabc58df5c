-- +goose Up
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE organisations (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    domain     TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX organisations_name ON organisations (lower(name));

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL,
    password_hash   TEXT NOT NULL DEFAULT '',
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    organisation_id BIGINT REFERENCES organisations (id),
    auth_epoch      BIGINT NOT NULL DEFAULT 0,
    failed_logins   BIGINT NOT NULL DEFAULT 0,
    locked_until    BIGINT NOT NULL DEFAULT 0,
    last_login_at   BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE groups (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX groups_name ON groups (lower(name));

CREATE TABLE group_members (
    group_id  BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    available BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

CREATE TABLE categories (
    id         INTEGER PRIMARY KEY,
    parent_id  BIGINT REFERENCES categories (id),
    name       TEXT NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX categories_name ON categories (coalesce(parent_id, 0), lower(name));

CREATE TABLE services (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    owner_group_id BIGINT REFERENCES groups (id),
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX services_name ON services (lower(name));

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    hash         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (hash);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expiry);

CREATE TABLE counters (
    type       TEXT PRIMARY KEY,
    next_value BIGINT NOT NULL
);

CREATE TABLE records (
    id                  INTEGER PRIMARY KEY,
    type                TEXT NOT NULL,
    seq                 BIGINT NOT NULL,
    number              TEXT NOT NULL,
    title               TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    state               TEXT NOT NULL,
    impact              SMALLINT NOT NULL,
    urgency             SMALLINT NOT NULL,
    priority            SMALLINT NOT NULL,
    priority_overridden BOOLEAN NOT NULL DEFAULT FALSE,
    category_id         BIGINT REFERENCES categories (id),
    service_id          BIGINT REFERENCES services (id),
    ci_ref              TEXT NOT NULL DEFAULT '',
    requester_id        BIGINT NOT NULL REFERENCES users (id),
    organisation_id     BIGINT REFERENCES organisations (id),
    assignment_group_id BIGINT REFERENCES groups (id),
    assignee_id         BIGINT REFERENCES users (id),
    opened_at           BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    resolved_at         BIGINT,
    closed_at           BIGINT,
    version             BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX records_number ON records (number);
CREATE UNIQUE INDEX records_type_seq ON records (type, seq);
CREATE INDEX records_type_updated ON records (type, updated_at, id);
CREATE INDEX records_type_opened ON records (type, opened_at, id);
CREATE INDEX records_type_priority ON records (type, priority, updated_at, id);
CREATE INDEX records_type_state_priority ON records (type, state, priority, id);
CREATE INDEX records_group_state ON records (assignment_group_id, state, priority, id);
CREATE INDEX records_assignee_state ON records (assignee_id, state, priority, id);
CREATE INDEX records_requester ON records (requester_id, type, updated_at, id);

CREATE VIRTUAL TABLE records_fts USING fts5 (
    title, description,
    content = 'records', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
-- +goose StatementBegin
CREATE TRIGGER records_fts_insert AFTER INSERT ON records BEGIN
    INSERT INTO records_fts (rowid, title, description) VALUES (new.id, new.title, new.description);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER records_fts_update AFTER UPDATE OF title, description ON records BEGIN
    INSERT INTO records_fts (records_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description);
    INSERT INTO records_fts (rowid, title, description) VALUES (new.id, new.title, new.description);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER records_fts_delete AFTER DELETE ON records BEGIN
    INSERT INTO records_fts (records_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description);
END;
-- +goose StatementEnd

CREATE TABLE incidents (
    record_id          BIGINT PRIMARY KEY REFERENCES records (id) ON DELETE CASCADE,
    on_hold_reason     TEXT NOT NULL DEFAULT '',
    resolution_code    TEXT NOT NULL DEFAULT '',
    resolution_notes   TEXT NOT NULL DEFAULT '',
    cancel_reason      TEXT NOT NULL DEFAULT '',
    major              BOOLEAN NOT NULL DEFAULT FALSE,
    reassignment_count BIGINT NOT NULL DEFAULT 0,
    first_response_at  BIGINT
);

CREATE TABLE watchers (
    record_id BIGINT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (record_id, user_id)
);
CREATE INDEX watchers_user ON watchers (user_id, record_id);

CREATE TABLE journal (
    id        INTEGER PRIMARY KEY,
    record_id BIGINT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    actor_id  BIGINT REFERENCES users (id),
    at        BIGINT NOT NULL,
    field     TEXT NOT NULL DEFAULT '',
    old_value TEXT NOT NULL DEFAULT '',
    new_value TEXT NOT NULL DEFAULT '',
    body      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX journal_record ON journal (record_id, id);
-- +goose StatementBegin
CREATE TRIGGER journal_append_only_update BEFORE UPDATE ON journal BEGIN
    SELECT RAISE(ABORT, 'journal is append-only');
END;
-- +goose StatementEnd

CREATE TABLE links (
    id             INTEGER PRIMARY KEY,
    from_record_id BIGINT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    to_record_id   BIGINT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    created_by     BIGINT REFERENCES users (id),
    created_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX links_unique ON links (from_record_id, to_record_id, kind);
CREATE INDEX links_to ON links (to_record_id);

CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size   BIGINT NOT NULL,
    bytes  BLOB NOT NULL
);

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    record_id    BIGINT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL REFERENCES blobs (sha256),
    created_by   BIGINT REFERENCES users (id),
    created_at   BIGINT NOT NULL
);
CREATE INDEX attachments_record ON attachments (record_id, id);

CREATE TABLE idempotency_keys (
    user_id    BIGINT NOT NULL,
    key        TEXT NOT NULL,
    record_id  BIGINT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE outbox (
    id        INTEGER PRIMARY KEY,
    txid      BIGINT NOT NULL DEFAULT 0,
    at        BIGINT NOT NULL,
    topic     TEXT NOT NULL,
    record_id BIGINT,
    payload   TEXT NOT NULL
);
CREATE INDEX outbox_order ON outbox (txid, id);

CREATE TABLE outbox_cursors (
    consumer   TEXT PRIMARY KEY,
    last_txid  BIGINT NOT NULL DEFAULT 0,
    last_id    BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);

CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE audit (
    id        INTEGER PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor_id  BIGINT,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id BIGINT,
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit (at, id);
-- +goose StatementBegin
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit;
DROP TABLE leases;
DROP TABLE outbox_cursors;
DROP TABLE outbox;
DROP TABLE idempotency_keys;
DROP TABLE attachments;
DROP TABLE blobs;
DROP TABLE links;
DROP TABLE journal;
DROP TABLE watchers;
DROP TABLE incidents;
DROP TABLE records_fts;
DROP TABLE records;
DROP TABLE counters;
DROP TABLE sessions;
DROP TABLE api_tokens;
DROP TABLE services;
DROP TABLE categories;
DROP TABLE group_members;
DROP TABLE groups;
DROP TABLE users;
DROP TABLE organisations;
DROP TABLE settings;
