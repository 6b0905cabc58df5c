-- +goose Up
-- Business calendars: working hours, holidays and exceptions in a zone,
-- kept as the JSON spec the sla/calendar package validates.
CREATE TABLE calendars (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    spec       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX calendars_name ON calendars (lower(name));

-- Service level definitions; each change is a new version, and timers keep
-- the version they started with.
CREATE TABLE sla_definitions (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    position        BIGINT NOT NULL,
    active          BOOLEAN NOT NULL,
    current_version BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX sla_definitions_name ON sla_definitions (lower(name));

CREATE TABLE sla_versions (
    id            INTEGER PRIMARY KEY,
    definition_id BIGINT NOT NULL REFERENCES sla_definitions (id),
    version       BIGINT NOT NULL,
    spec          TEXT NOT NULL,
    created_by    BIGINT REFERENCES users (id),
    created_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX sla_versions_number ON sla_versions (definition_id, version);

-- One timer per target of a definition version per record. A running
-- timer has running_since, due_at and next_fire_at (the next warning or the
-- breach); the worker finds due timers through the partial index.
CREATE TABLE sla_timers (
    id            INTEGER PRIMARY KEY,
    record_id     BIGINT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    definition_id BIGINT NOT NULL REFERENCES sla_definitions (id),
    version_id    BIGINT NOT NULL REFERENCES sla_versions (id),
    target        TEXT NOT NULL,
    target_ms     BIGINT NOT NULL,
    calendar_id   BIGINT NOT NULL,
    state         TEXT NOT NULL,
    started_at    BIGINT NOT NULL,
    running_since BIGINT,
    consumed_ms   BIGINT NOT NULL DEFAULT 0,
    due_at        BIGINT,
    next_fire_at  BIGINT,
    warnings_sent BIGINT NOT NULL DEFAULT 0,
    breached      BOOLEAN NOT NULL DEFAULT FALSE,
    breached_at   BIGINT,
    stopped_at    BIGINT,
    pauses        TEXT NOT NULL DEFAULT '[]',
    updated_at    BIGINT NOT NULL
);
CREATE INDEX sla_timers_record ON sla_timers (record_id, id);
CREATE INDEX sla_timers_fire ON sla_timers (next_fire_at) WHERE next_fire_at IS NOT NULL;
CREATE INDEX sla_timers_due ON sla_timers (due_at) WHERE due_at IS NOT NULL;
-- Compliance reports read stopped timers by when they stopped, and open
-- breached ones by when they breached.
CREATE INDEX sla_timers_stopped ON sla_timers (stopped_at) WHERE stopped_at IS NOT NULL;
CREATE INDEX sla_timers_breached ON sla_timers (breached_at) WHERE breached_at IS NOT NULL;

-- The earliest due time of a record's running timers (the largest BIGINT
-- when none runs), kept by the SLA engine so that queues can sort and
-- filter by it through an index.
ALTER TABLE records ADD COLUMN sla_due_at BIGINT NOT NULL DEFAULT 9223372036854775807;

-- Whether a record is still being worked on: not resolved, closed or
-- canceled (record.TerminalStates). A queue of open work is then one range
-- of an index, already in its order, instead of every open row gathered
-- from several states and sorted for each page. These replace the queue
-- indexes of 00003.
ALTER TABLE records ADD COLUMN active BOOLEAN GENERATED ALWAYS AS (state NOT IN ('resolved', 'closed', 'canceled')) VIRTUAL;
DROP INDEX records_open_queue;
DROP INDEX records_assignee_queue;
DROP INDEX records_unassigned_queue;
CREATE INDEX records_active_priority ON records (type, active, priority, updated_at, id);
CREATE INDEX records_active_updated ON records (type, active, updated_at, id);
CREATE INDEX records_active_age ON records (type, active, opened_at, id);
CREATE INDEX records_active_due ON records (type, active, sla_due_at, id);
-- Indexes led by the assignee hold assigned records only: a query for
-- "nobody" then cannot pick them (and read every unassigned record), and
-- any assignee_id = ... still implies their condition.
CREATE INDEX records_active_assignee ON records (assignee_id, active, priority, updated_at, id) WHERE assignee_id IS NOT NULL;
DROP INDEX records_assignee_state;
CREATE INDEX records_assignee_state ON records (assignee_id, state, priority, id) WHERE assignee_id IS NOT NULL;
-- Work nobody has taken, in a group or in none: partial indexes, because
-- an IS NULL condition does not let PostgreSQL read an index in order.
CREATE INDEX records_active_untaken ON records (assignment_group_id, type, active, priority, updated_at, id) WHERE assignee_id IS NULL;
CREATE INDEX records_active_unrouted ON records (type, active, priority, updated_at, id) WHERE assignment_group_id IS NULL AND assignee_id IS NULL;
DROP INDEX records_group_state;
CREATE INDEX records_active_group ON records (assignment_group_id, active, priority, updated_at, id);

-- +goose Down
DROP INDEX records_active_priority;
DROP INDEX records_active_updated;
DROP INDEX records_active_age;
DROP INDEX records_active_due;
DROP INDEX records_active_assignee;
DROP INDEX records_assignee_state;
CREATE INDEX records_assignee_state ON records (assignee_id, state, priority, id);
DROP INDEX records_active_untaken;
DROP INDEX records_active_unrouted;
DROP INDEX records_active_group;
CREATE INDEX records_group_state ON records (assignment_group_id, state, priority, id);
ALTER TABLE records DROP COLUMN active;
ALTER TABLE records DROP COLUMN sla_due_at;
CREATE INDEX records_open_queue ON records (type, state, priority, updated_at, opened_at, id);
CREATE INDEX records_assignee_queue ON records (assignee_id, state, priority, updated_at, opened_at, id);
CREATE INDEX records_unassigned_queue ON records (assignment_group_id, assignee_id, state, priority, updated_at, opened_at, id);
DROP TABLE sla_timers;
DROP TABLE sla_versions;
DROP TABLE sla_definitions;
DROP TABLE calendars;
