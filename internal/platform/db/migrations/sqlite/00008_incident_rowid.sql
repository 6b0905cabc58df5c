-- +goose Up
-- incidents.record_id becomes the table's rowid. Declared BIGINT PRIMARY
-- KEY it was a separate unique index beside a hidden rowid, so every read
-- of an incident's fields went through two b-trees, and every create wrote
-- both. SQLite cannot change a primary key in place: the table is rebuilt.
CREATE TABLE incidents_rowid (
    record_id                INTEGER PRIMARY KEY REFERENCES records (id) ON DELETE CASCADE,
    on_hold_reason           TEXT NOT NULL DEFAULT '',
    resolution_code          TEXT NOT NULL DEFAULT '',
    resolution_notes         TEXT NOT NULL DEFAULT '',
    cancel_reason            TEXT NOT NULL DEFAULT '',
    major                    BOOLEAN NOT NULL DEFAULT FALSE,
    reassignment_count       BIGINT NOT NULL DEFAULT 0,
    first_response_at        BIGINT,
    major_status             TEXT NOT NULL DEFAULT '',
    major_reason             TEXT NOT NULL DEFAULT '',
    first_assignee_id        BIGINT REFERENCES users (id),
    first_contact_resolution BOOLEAN NOT NULL DEFAULT FALSE,
    resolution_time_ms       BIGINT,
    reopen_count             BIGINT NOT NULL DEFAULT 0
);
INSERT INTO incidents_rowid (record_id, on_hold_reason, resolution_code, resolution_notes, cancel_reason, major,
    reassignment_count, first_response_at, major_status, major_reason, first_assignee_id, first_contact_resolution,
    resolution_time_ms, reopen_count)
SELECT record_id, on_hold_reason, resolution_code, resolution_notes, cancel_reason, major,
    reassignment_count, first_response_at, major_status, major_reason, first_assignee_id, first_contact_resolution,
    resolution_time_ms, reopen_count
FROM incidents ORDER BY record_id;
DROP TABLE incidents;
ALTER TABLE incidents_rowid RENAME TO incidents;
CREATE INDEX incidents_major ON incidents (major_status, record_id);

-- +goose Down
-- The rowid key is kept: it is the same table to every query.
SELECT 1;
