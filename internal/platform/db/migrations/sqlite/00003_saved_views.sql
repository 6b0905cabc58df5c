-- +goose Up
-- Saved views: an agent's named list of incidents (filters, sort order and
-- columns), private or shared with one of their groups.
CREATE TABLE saved_views (
    id         INTEGER PRIMARY KEY,
    owner_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    group_id   BIGINT REFERENCES groups (id) ON DELETE SET NULL,
    name       TEXT NOT NULL,
    filters    TEXT NOT NULL DEFAULT '{}',
    sort       TEXT NOT NULL DEFAULT '',
    columns    TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX saved_views_owner_name ON saved_views (owner_id, lower(name));
CREATE INDEX saved_views_group ON saved_views (group_id);

-- The workspace's queues. Each index narrows to the queue (all open work,
-- an agent's, or a group's unassigned) and holds every sort key the queues
-- offer, so that a page is sorted from index entries and only its 50 rows
-- are read from the table.
CREATE INDEX records_open_queue ON records (type, state, priority, updated_at, opened_at, id);
CREATE INDEX records_assignee_queue ON records (assignee_id, state, priority, updated_at, opened_at, id);
CREATE INDEX records_unassigned_queue ON records (assignment_group_id, assignee_id, state, priority, updated_at, opened_at, id);

-- +goose Down
DROP INDEX records_unassigned_queue;
DROP INDEX records_assignee_queue;
DROP INDEX records_open_queue;
DROP TABLE saved_views;
