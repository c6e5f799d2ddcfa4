-- The reminder proof (催交记录) says what each reminder was about and how it ended: the bill and its
-- due date, a notice's planned interruption, the channel's message id (which delivery reports name)
-- and its error code of a failure, and when a delivery report confirmed it. The status is one of
-- billing.ReminderStatuses(). One index lists an account's reminders newest first (the customer's
-- notices list); another finds a reminder by its channel's message id (delivery reports).
-- Keep in step with ../sqlite/00004_reminder_proof.sql.
-- One column per statement: not every engine that speaks T-SQL takes "ADD a ..., b ...". Every
-- constraint is named so that Down can drop it.
-- +goose Up
ALTER TABLE reminders ADD bill_id BIGINT NULL CONSTRAINT reminders_bill REFERENCES bills (id);
ALTER TABLE reminders ADD due_on DATE NULL;
ALTER TABLE reminders ADD planned_on DATE NULL;
ALTER TABLE reminders ADD message_id NVARCHAR(64) COLLATE Latin1_General_100_BIN2 NULL;
ALTER TABLE reminders ADD error_code NVARCHAR(64) COLLATE Latin1_General_100_BIN2 NULL;
ALTER TABLE reminders ADD delivered_at DATETIME2(3) NULL;
ALTER TABLE reminders ADD CONSTRAINT reminders_status CHECK (status IN (N'sent', N'delivered', N'failed'));
CREATE INDEX reminders_account_newest ON reminders (account_id, remind_on DESC, id DESC);
CREATE INDEX reminders_message ON reminders (channel, message_id) WHERE message_id IS NOT NULL;
-- +goose Down
DROP INDEX reminders_message ON reminders;
DROP INDEX reminders_account_newest ON reminders;
ALTER TABLE reminders DROP CONSTRAINT reminders_status;
ALTER TABLE reminders DROP COLUMN delivered_at;
ALTER TABLE reminders DROP COLUMN error_code;
ALTER TABLE reminders DROP COLUMN message_id;
ALTER TABLE reminders DROP COLUMN planned_on;
ALTER TABLE reminders DROP COLUMN due_on;
ALTER TABLE reminders DROP CONSTRAINT reminders_bill;
ALTER TABLE reminders DROP COLUMN bill_id;
