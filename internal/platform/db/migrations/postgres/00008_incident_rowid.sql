-- +goose Up
-- On SQLite this migration makes incidents.record_id the table's rowid.
-- PostgreSQL's bigint primary key is already the table's one key.
SELECT 1;

-- +goose Down
SELECT 1;
