-- +goose Up
-- Outbound notifications. The notify consumer turns record events into one
-- mail_queue row per recipient and message, in the transaction that
-- advances its outbox cursor; the sender claims rows (claimed_by,
-- claimed_until) and delivers them over SMTP with retries and backoff.
CREATE TABLE mail_queue (
    id              INTEGER PRIMARY KEY,
    event_id        BIGINT NOT NULL,
    kind            TEXT NOT NULL,
    record_id       BIGINT REFERENCES records (id) ON DELETE CASCADE,
    user_id         BIGINT REFERENCES users (id) ON DELETE SET NULL,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    in_reply_to     TEXT NOT NULL DEFAULT '',
    refs            TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_by      TEXT NOT NULL DEFAULT '',
    claimed_until   BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE UNIQUE INDEX mail_queue_message_id ON mail_queue (message_id);
CREATE UNIQUE INDEX mail_queue_event ON mail_queue (event_id, kind, to_addr);
CREATE INDEX mail_queue_due ON mail_queue (status, next_attempt_at, id);
CREATE INDEX mail_queue_record ON mail_queue (record_id);

-- A user's choice per notification kind; no row means the kind is on.
CREATE TABLE notification_prefs (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    enabled    BOOLEAN NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- Admins' edits of the built-in templates; no row means the default.
CREATE TABLE notification_templates (
    kind       TEXT PRIMARY KEY,
    subject    TEXT NOT NULL,
    text_body  TEXT NOT NULL,
    html_body  TEXT NOT NULL,
    updated_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE notification_templates;
DROP TABLE notification_prefs;
DROP TABLE mail_queue;
