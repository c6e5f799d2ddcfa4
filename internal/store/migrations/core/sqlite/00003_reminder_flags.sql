-- What the arrears run needs on an account beyond what 00001 holds (important is there already):
-- protected customers (低保/五保 households, home medical equipment) get no reminders at all, and an
-- account may be exempted from reminders until a date. The partial index finds each account's
-- unpaid bills by due date, which the run's keyset scan over accounts probes once per account.
-- Keep in step with ../sqlserver/00003_reminder_flags.sql.

-- +goose Up
ALTER TABLE accounts ADD COLUMN protected INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN reminders_exempt_until TEXT;
CREATE INDEX bills_open_account ON bills (account_id, due_on) WHERE status <> 'paid';

-- +goose Down
DROP INDEX bills_open_account;
ALTER TABLE accounts DROP COLUMN reminders_exempt_until;
ALTER TABLE accounts DROP COLUMN protected;
