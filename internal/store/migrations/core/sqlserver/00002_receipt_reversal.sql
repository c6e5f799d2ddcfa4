-- A refunded payment reverses its receipt (冲正): the receipt stays, marked with when and by which
-- refund. Keep in step with ../sqlite/00002_receipt_reversal.sql.

-- +goose Up
ALTER TABLE receipts ADD reversed_at DATETIME2(3) NULL, reversal_ref NVARCHAR(64) COLLATE Latin1_General_100_BIN2 NULL;

-- +goose Down
ALTER TABLE receipts DROP COLUMN reversal_ref, reversed_at;
