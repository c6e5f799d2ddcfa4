-- What the arrears run needs on an account beyond what 00001 holds (important is there already):
-- protected customers (低保/五保 households, home medical equipment) get no reminders at all, and an
-- account may be exempted from reminders until a date. The filtered index finds each account's
-- unpaid bills by due date, which the run's keyset scan over accounts probes once per account.
-- Keep in step with ../sqlite/00003_reminder_flags.sql.
-- One column per statement: not every engine that speaks T-SQL takes "ADD a ..., b ...". The
-- default constraint is named so that Down can drop it.

-- +goose Up
ALTER TABLE accounts ADD protected BIT NOT NULL CONSTRAINT accounts_protected_default DEFAULT 0;
ALTER TABLE accounts ADD reminders_exempt_until DATE NULL;
CREATE INDEX bills_open_account ON bills (account_id, due_on) WHERE status <> N'paid';

-- +goose Down
DROP INDEX bills_open_account ON bills;
ALTER TABLE accounts DROP COLUMN reminders_exempt_until;
ALTER TABLE accounts DROP CONSTRAINT accounts_protected_default;
ALTER TABLE accounts DROP COLUMN protected;
