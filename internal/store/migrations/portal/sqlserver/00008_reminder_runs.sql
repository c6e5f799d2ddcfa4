-- The daily arrears run's record: one row per day (the unique run_on is what makes a second start
-- of the same day, by another worker or after a crash, find the first), its keyset cursor for
-- resuming, and its counts, added to as batches finish. Suppressions are counted per reason in a
-- child table, so that each count is a relative update too. Keep in step with
-- ../sqlite/00008_reminder_runs.sql.

-- +goose Up
CREATE TABLE reminder_runs (
    id              BIGINT IDENTITY(1,1) PRIMARY KEY,
    run_on          DATE         NOT NULL CONSTRAINT reminder_runs_day UNIQUE,
    started_at      DATETIME2(3) NOT NULL,
    finished_at     DATETIME2(3) NULL,
    status          NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL,
    last_account_id BIGINT       NOT NULL CONSTRAINT reminder_runs_cursor_default DEFAULT 0,
    scanned         BIGINT       NOT NULL CONSTRAINT reminder_runs_scanned_default DEFAULT 0,
    due             BIGINT       NOT NULL CONSTRAINT reminder_runs_due_default DEFAULT 0,
    enqueued        BIGINT       NOT NULL CONSTRAINT reminder_runs_enqueued_default DEFAULT 0,
    sent            BIGINT       NOT NULL CONSTRAINT reminder_runs_sent_default DEFAULT 0,
    failed          BIGINT       NOT NULL CONSTRAINT reminder_runs_failed_default DEFAULT 0,
    suppressed      BIGINT       NOT NULL CONSTRAINT reminder_runs_suppressed_default DEFAULT 0,
    CONSTRAINT reminder_runs_status CHECK (status IN (N'running', N'done', N'failed'))
);
CREATE TABLE reminder_run_suppressions (
    run_id BIGINT       NOT NULL REFERENCES reminder_runs (id),
    reason NVARCHAR(32) COLLATE Latin1_General_100_BIN2 NOT NULL,
    n      BIGINT       NOT NULL,
    CONSTRAINT reminder_run_suppressions_key PRIMARY KEY (run_id, reason)
);

-- +goose Down
DROP TABLE reminder_run_suppressions;
DROP TABLE reminder_runs;
