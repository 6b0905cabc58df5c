-- +goose Up
-- Every Message-ID Steward sent or received about a record, so that a reply
-- (In-Reply-To / References) finds its record without trusting the subject.
-- Outbound notifications write 'out' rows; inbound mail writes 'in' rows.
CREATE TABLE mail_message_ids (
    message_id TEXT PRIMARY KEY,
    record_id  BIGINT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    direction  TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    created_at BIGINT NOT NULL
);
CREATE INDEX mail_message_ids_record ON mail_message_ids (record_id, created_at);

-- +goose Down
DROP TABLE mail_message_ids;
