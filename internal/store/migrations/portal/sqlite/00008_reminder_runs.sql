-- The daily arrears run's record: one row per day (the unique run_on is what makes a second start
-- of the same day, by another worker or after a crash, find the first), its keyset cursor for
-- resuming, and its counts, added to as batches finish. Suppressions are counted per reason in a
-- child table, so that each count is a relative update too. Keep in step with
-- ../sqlserver/00008_reminder_runs.sql.

-- +goose Up
CREATE TABLE reminder_runs (
    id              INTEGER PRIMARY KEY,
    run_on          TEXT    NOT NULL UNIQUE,
    started_at      TEXT    NOT NULL,
    finished_at     TEXT,
    status          TEXT    NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    last_account_id INTEGER NOT NULL DEFAULT 0,
    scanned         INTEGER NOT NULL DEFAULT 0,
    due             INTEGER NOT NULL DEFAULT 0,
    enqueued        INTEGER NOT NULL DEFAULT 0,
    sent            INTEGER NOT NULL DEFAULT 0,
    failed          INTEGER NOT NULL DEFAULT 0,
    suppressed      INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE reminder_run_suppressions (
    run_id INTEGER NOT NULL REFERENCES reminder_runs (id),
    reason TEXT    NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (run_id, reason)
);

-- +goose Down
DROP TABLE reminder_run_suppressions;
DROP TABLE reminder_runs;
