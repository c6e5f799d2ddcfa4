-- A callback kept for staff (callback_conflicts: a bank collection for an account that does not
-- exist, a transaction reported again with another amount) resolved once, by whom and how (issue
-- 11). Keep in step with ../sqlserver/00013_conflict_resolution.sql.

-- +goose Up
ALTER TABLE callback_conflicts ADD COLUMN resolved_at TEXT;
ALTER TABLE callback_conflicts ADD COLUMN resolved_by INTEGER REFERENCES staff (id);
ALTER TABLE callback_conflicts ADD COLUMN resolution TEXT;

-- +goose Down
ALTER TABLE callback_conflicts DROP COLUMN resolution;
ALTER TABLE callback_conflicts DROP COLUMN resolved_by;
ALTER TABLE callback_conflicts DROP COLUMN resolved_at;
