-- +goose Up
ALTER TABLE incidents ADD COLUMN major_status TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN major_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN first_assignee_id BIGINT REFERENCES users (id);
ALTER TABLE incidents ADD COLUMN first_contact_resolution BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE incidents ADD COLUMN resolution_time_ms BIGINT;
ALTER TABLE incidents ADD COLUMN reopen_count BIGINT NOT NULL DEFAULT 0;
CREATE INDEX incidents_major ON incidents (major_status, record_id);

-- Routing: the first rule (by position) whose category and/or service match
-- a new incident picks its assignment group.
CREATE TABLE routing_rules (
    id          INTEGER PRIMARY KEY,
    position    BIGINT NOT NULL,
    category_id BIGINT REFERENCES categories (id),
    service_id  BIGINT REFERENCES services (id),
    group_id    BIGINT NOT NULL REFERENCES groups (id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX routing_rules_position ON routing_rules (position, id);

-- How work given to a group reaches one of its members.
CREATE TABLE group_assignment (
    group_id     BIGINT PRIMARY KEY REFERENCES groups (id) ON DELETE CASCADE,
    mode         TEXT NOT NULL,
    last_user_id BIGINT,
    updated_at   BIGINT NOT NULL
);

-- +goose Down
DROP TABLE group_assignment;
DROP TABLE routing_rules;
DROP INDEX incidents_major;
ALTER TABLE incidents DROP COLUMN reopen_count;
ALTER TABLE incidents DROP COLUMN resolution_time_ms;
ALTER TABLE incidents DROP COLUMN first_contact_resolution;
ALTER TABLE incidents DROP COLUMN first_assignee_id;
ALTER TABLE incidents DROP COLUMN major_reason;
ALTER TABLE incidents DROP COLUMN major_status;
