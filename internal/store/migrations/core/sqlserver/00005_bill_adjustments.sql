-- Bill adjustments (账单调整) and late-fee waivers (违约金减免), posted once each by their adjustment
-- number ("AJ" + 10 digits, made by the portal). A principal adjustment lowers bills.principal_fen;
-- the row keeps the principal before and after as proof. A waiver raises bills.fee_waived_fen,
-- which is subtracted from the fee owed (max(accrued, 1 yuan) - waived - paid, never below zero;
-- see billing.Adjust). What the customer had already paid of the reduction goes to the prepaid
-- balance (to_prepaid_fen), with a ledger row that names the adjustment.
-- Keep in step with ../sqlite/00005_bill_adjustments.sql.
-- One column per statement; every constraint is named so that Down can drop it. The default of
-- fee_waived_fen is dropped only where the engine kept its name (SQL Server does; Babelfish names
-- defaults itself and drops them with their column).
-- +goose Up
ALTER TABLE bills ADD fee_waived_fen BIGINT NOT NULL CONSTRAINT bills_fee_waived DEFAULT 0;
CREATE TABLE bill_adjustments (
    id                    BIGINT IDENTITY(1,1) PRIMARY KEY,
    adjustment_no         NVARCHAR(12) COLLATE Latin1_General_100_BIN2 NOT NULL
        CONSTRAINT bill_adjustments_no UNIQUE
        CONSTRAINT bill_adjustments_no_format CHECK (LEN(adjustment_no) = 12 AND adjustment_no LIKE 'AJ[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'),
    account_id            BIGINT        NOT NULL REFERENCES accounts (id),
    bill_id               BIGINT        NOT NULL REFERENCES bills (id),
    kind                  NVARCHAR(16)  COLLATE Latin1_General_100_BIN2 NOT NULL
        CONSTRAINT bill_adjustments_kind CHECK (kind IN (N'principal', N'late_fee')),
    amount_fen            BIGINT        NOT NULL CONSTRAINT bill_adjustments_amount CHECK (amount_fen > 0),
    to_prepaid_fen        BIGINT        NOT NULL CONSTRAINT bill_adjustments_to_prepaid CHECK (to_prepaid_fen >= 0),
    principal_before_fen  BIGINT        NOT NULL,
    principal_after_fen   BIGINT        NOT NULL,
    fee_accrued_fen       BIGINT        NOT NULL,
    fee_waived_before_fen BIGINT        NOT NULL,
    fee_waived_after_fen  BIGINT        NOT NULL,
    adjusted_on           DATE          NOT NULL,
    reason                NVARCHAR(200) NOT NULL,
    dispute_id            BIGINT        NULL,
    posted_at             DATETIME2(3)  NOT NULL
);
CREATE INDEX bill_adjustments_account ON bill_adjustments (account_id, id);
CREATE INDEX bill_adjustments_bill ON bill_adjustments (bill_id, id);
ALTER TABLE prepaid_ledger ADD adjustment_id BIGINT NULL CONSTRAINT prepaid_ledger_adjustment REFERENCES bill_adjustments (id);
-- +goose Down
ALTER TABLE prepaid_ledger DROP CONSTRAINT prepaid_ledger_adjustment;
ALTER TABLE prepaid_ledger DROP COLUMN adjustment_id;
DROP TABLE bill_adjustments;
IF EXISTS (SELECT 1 FROM sys.default_constraints WHERE name = N'bills_fee_waived') ALTER TABLE bills DROP CONSTRAINT bills_fee_waived;
ALTER TABLE bills DROP COLUMN fee_waived_fen;
