-- The staff side of disputes (issue 11): two more statuses (awaiting_approval: a settlement waits for
-- a supervisor; follow_up: staff call the customer back), the station that scopes which staff see a
-- dispute, when it entered its status (the service-level clock), who is assigned, who replied,
-- internal notes, and the settlements staff propose, decide and post.
-- Keep in step with ../sqlite/00011_dispute_workflow.sql.

-- +goose Up
-- "awaiting_approval" is 17 characters, so status widens to 32. ALTER COLUMN would drop the binary
-- collation (SQL Server resets it to the database's unless restated, and Babelfish cannot restate
-- it), so the column is replaced: a new one with the collation, filled, the old one with its index
-- and CHECK dropped, and the new one renamed. Its default N'' only lets the column be added to a
-- table with rows; the CHECK refuses it, so every insert still names a status.
ALTER TABLE disputes ADD status_new NVARCHAR(32) COLLATE Latin1_General_100_BIN2 NOT NULL
    CONSTRAINT disputes_status_default DEFAULT N'';
UPDATE disputes SET status_new = status;
ALTER TABLE disputes DROP CONSTRAINT disputes_status;
DROP INDEX disputes_status_updated ON disputes;
ALTER TABLE disputes DROP COLUMN status;
EXEC sp_rename 'disputes.status_new', 'status', 'COLUMN';
CREATE INDEX disputes_status_updated ON disputes (status, updated_at);
ALTER TABLE disputes ADD CONSTRAINT disputes_status CHECK (status IN
    (N'open', N'in_review', N'awaiting_approval', N'adjusted', N'refunded', N'rejected', N'follow_up', N'closed'));
ALTER TABLE disputes ADD station_id INT NULL;
ALTER TABLE disputes ADD status_at DATETIME2(3) NULL;
ALTER TABLE disputes ADD assignee_id BIGINT NULL CONSTRAINT disputes_assignee REFERENCES staff (id);
UPDATE disputes SET status_at = updated_at;
CREATE INDEX disputes_queue ON disputes (station_id, status, status_at);

ALTER TABLE dispute_messages ADD staff_id BIGINT NULL CONSTRAINT dispute_messages_staff REFERENCES staff (id);

CREATE TABLE dispute_notes (
    id         BIGINT IDENTITY(1,1) PRIMARY KEY,
    dispute_id BIGINT         NOT NULL REFERENCES disputes (id),
    staff_id   BIGINT         NOT NULL REFERENCES staff (id),
    text       NVARCHAR(1000) NOT NULL,
    created_at DATETIME2(3)   NOT NULL
);
CREATE INDEX dispute_notes_dispute ON dispute_notes (dispute_id, id);

CREATE TABLE dispute_actions (
    id              BIGINT IDENTITY(1,1) PRIMARY KEY,
    dispute_id      BIGINT        NOT NULL REFERENCES disputes (id),
    kind            NVARCHAR(16)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    account_no      NVARCHAR(16)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    bill_id         BIGINT        NULL,
    amount_fen      BIGINT        NOT NULL,
    order_no        NVARCHAR(64)  COLLATE Latin1_General_100_BIN2 NULL,
    reason_code     NVARCHAR(32)  COLLATE Latin1_General_100_BIN2 NULL,
    reason          NVARCHAR(500) NOT NULL,
    status          NVARCHAR(16)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    proposed_by     BIGINT        NOT NULL REFERENCES staff (id),
    proposed_at     DATETIME2(3)  NOT NULL,
    decided_by      BIGINT        NULL REFERENCES staff (id),
    decided_at      DATETIME2(3)  NULL,
    decision_reason NVARCHAR(500) NULL,
    posted_at       DATETIME2(3)  NULL,
    posted_ref      NVARCHAR(64)  COLLATE Latin1_General_100_BIN2 NULL,
    CONSTRAINT dispute_actions_kind CHECK (kind IN (N'adjust_bill', N'waive_fee', N'refund', N'reject')),
    CONSTRAINT dispute_actions_status CHECK (status IN (N'proposed', N'approved', N'declined', N'posted')),
    CONSTRAINT dispute_actions_amount CHECK (amount_fen >= 0),
    CONSTRAINT dispute_actions_four_eyes CHECK (decided_by IS NULL OR decided_by <> proposed_by)
);
CREATE INDEX dispute_actions_dispute ON dispute_actions (dispute_id, id);
CREATE UNIQUE INDEX dispute_actions_one_proposed ON dispute_actions (dispute_id) WHERE status = N'proposed';
CREATE INDEX dispute_actions_to_post ON dispute_actions (id) WHERE status = N'approved' AND kind IN (N'adjust_bill', N'waive_fee');

-- +goose Down
-- A dispute in one of the new statuses cannot go back: the narrower column refuses it. SQL Server
-- keeps the status column's default as a named constraint, which must go before the column does;
-- Babelfish keeps it with the column.
IF OBJECT_ID(N'disputes_status_default', N'D') IS NOT NULL ALTER TABLE disputes DROP CONSTRAINT disputes_status_default;
DROP TABLE dispute_actions;
DROP TABLE dispute_notes;
ALTER TABLE dispute_messages DROP CONSTRAINT dispute_messages_staff;
ALTER TABLE dispute_messages DROP COLUMN staff_id;
DROP INDEX disputes_queue ON disputes;
ALTER TABLE disputes DROP CONSTRAINT disputes_assignee;
ALTER TABLE disputes DROP COLUMN assignee_id;
ALTER TABLE disputes DROP COLUMN status_at;
ALTER TABLE disputes DROP COLUMN station_id;
ALTER TABLE disputes ADD status_old NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL
    CONSTRAINT disputes_status_old_default DEFAULT N'';
UPDATE disputes SET status_old = status;
ALTER TABLE disputes DROP CONSTRAINT disputes_status;
DROP INDEX disputes_status_updated ON disputes;
ALTER TABLE disputes DROP COLUMN status;
EXEC sp_rename 'disputes.status_old', 'status', 'COLUMN';
CREATE INDEX disputes_status_updated ON disputes (status, updated_at);
ALTER TABLE disputes ADD CONSTRAINT disputes_status CHECK (status IN
    (N'open', N'in_review', N'adjusted', N'refunded', N'rejected', N'closed'));
