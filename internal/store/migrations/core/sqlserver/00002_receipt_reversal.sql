-- A refunded payment reverses its receipt (冲正): the receipt stays, marked with when and by which
-- refund. Keep in step with ../sqlite/00002_receipt_reversal.sql.
-- One column per statement: SQL Server takes "ADD a ..., b ..." too, but one form per change keeps
-- this file runnable on every engine that speaks T-SQL.

-- +goose Up
ALTER TABLE receipts ADD reversed_at DATETIME2(3) NULL;
ALTER TABLE receipts ADD reversal_ref NVARCHAR(64) COLLATE Latin1_General_100_BIN2 NULL;

-- +goose Down
ALTER TABLE receipts DROP COLUMN reversal_ref;
ALTER TABLE receipts DROP COLUMN reversed_at;
