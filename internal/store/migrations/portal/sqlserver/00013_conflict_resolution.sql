-- A callback kept for staff (callback_conflicts: a bank collection for an account that does not
-- exist, a transaction reported again with another amount) resolved once, by whom and how (issue
-- 11). Keep in step with ../sqlite/00013_conflict_resolution.sql.

-- +goose Up
ALTER TABLE callback_conflicts ADD resolved_at DATETIME2(3) NULL;
ALTER TABLE callback_conflicts ADD resolved_by BIGINT NULL;
ALTER TABLE callback_conflicts ADD resolution NVARCHAR(500) NULL;
ALTER TABLE callback_conflicts ADD CONSTRAINT callback_conflicts_resolved_by FOREIGN KEY (resolved_by) REFERENCES staff (id);

-- +goose Down
ALTER TABLE callback_conflicts DROP CONSTRAINT callback_conflicts_resolved_by;
ALTER TABLE callback_conflicts DROP COLUMN resolution;
ALTER TABLE callback_conflicts DROP COLUMN resolved_by;
ALTER TABLE callback_conflicts DROP COLUMN resolved_at;
