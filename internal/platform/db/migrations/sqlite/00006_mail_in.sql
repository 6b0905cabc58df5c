-- +goose Up
-- Inbound mail. Every message taken in is remembered by its key (Message-ID,
-- or the sha256 of its bytes when it has none), so that a second delivery
-- changes nothing; what it became is kept with it.
CREATE TABLE mail_ingested (
    id            INTEGER PRIMARY KEY,
    message_key   TEXT NOT NULL UNIQUE,
    sender        TEXT NOT NULL,
    source        TEXT NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('created', 'commented', 'quarantined')),
    record_id     BIGINT REFERENCES records (id) ON DELETE SET NULL,
    journal_id    BIGINT,
    quarantine_id BIGINT,
    -- quoted history and signatures folded away from the reply, kept
    quoted        TEXT NOT NULL DEFAULT '',
    -- the HTML body, sanitised, for showing the message as it was written
    html          TEXT NOT NULL DEFAULT '',
    -- what the message says (sender, subject, date, text, parts), so that a
    -- reused Message-ID on a different message is not taken as a repeat
    fingerprint   TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL
);
CREATE INDEX mail_ingested_record ON mail_ingested (record_id);

-- Messages that could not be parsed or routed, with the reason and the raw
-- bytes, until an admin retries or deletes them.
CREATE TABLE mail_quarantine (
    id          INTEGER PRIMARY KEY,
    message_key TEXT NOT NULL,
    kind        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    sender      TEXT NOT NULL DEFAULT '',
    subject     TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL,
    size        BIGINT NOT NULL,
    raw         BLOB NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- Messages per sender per hour, shared by every node, to stop mail loops.
CREATE TABLE mail_rate (
    sender       TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    count        BIGINT NOT NULL,
    PRIMARY KEY (sender, window_start)
);
CREATE INDEX mail_rate_window ON mail_rate (window_start);

-- +goose Down
DROP TABLE mail_rate;
DROP TABLE mail_quarantine;
DROP TABLE mail_ingested;
