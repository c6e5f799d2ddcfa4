-- Bill adjustments (账单调整) and late-fee waivers (违约金减免), posted once each by their adjustment
-- number ("AJ" + 10 digits, made by the portal). A principal adjustment lowers bills.principal_fen;
-- the row keeps the principal before and after as proof. A waiver raises bills.fee_waived_fen,
-- which is subtracted from the fee owed (max(accrued, 1 yuan) - waived - paid, never below zero;
-- see billing.Adjust). What the customer had already paid of the reduction goes to the prepaid
-- balance (to_prepaid_fen), with a ledger row that names the adjustment.
-- Keep in step with ../sqlserver/00005_bill_adjustments.sql.
-- +goose Up
ALTER TABLE bills ADD COLUMN fee_waived_fen INTEGER NOT NULL DEFAULT 0;
CREATE TABLE bill_adjustments (
    id                   INTEGER PRIMARY KEY,
    adjustment_no        TEXT    NOT NULL UNIQUE CHECK (length(adjustment_no) = 12 AND adjustment_no GLOB 'AJ[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'),
    account_id           INTEGER NOT NULL REFERENCES accounts (id),
    bill_id              INTEGER NOT NULL REFERENCES bills (id),
    kind                 TEXT    NOT NULL CHECK (kind IN ('principal', 'late_fee')),
    amount_fen           INTEGER NOT NULL CHECK (amount_fen > 0),
    to_prepaid_fen       INTEGER NOT NULL CHECK (to_prepaid_fen >= 0),
    principal_before_fen INTEGER NOT NULL,
    principal_after_fen  INTEGER NOT NULL,
    fee_accrued_fen      INTEGER NOT NULL,           -- the fee accrued through adjusted_on
    fee_waived_before_fen INTEGER NOT NULL,
    fee_waived_after_fen INTEGER NOT NULL,
    adjusted_on          TEXT    NOT NULL,           -- the adjustment's date: fee settled through it
    reason               TEXT    NOT NULL,
    dispute_id           INTEGER,                    -- the portal's dispute, if any
    posted_at            TEXT    NOT NULL
);
CREATE INDEX bill_adjustments_account ON bill_adjustments (account_id, id);
CREATE INDEX bill_adjustments_bill ON bill_adjustments (bill_id, id);
ALTER TABLE prepaid_ledger ADD COLUMN adjustment_id INTEGER REFERENCES bill_adjustments (id);
-- +goose Down
ALTER TABLE prepaid_ledger DROP COLUMN adjustment_id;
DROP TABLE bill_adjustments;
ALTER TABLE bills DROP COLUMN fee_waived_fen;
