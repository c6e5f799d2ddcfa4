-- A refunded payment reverses its receipt (冲正): the receipt stays, marked with when and by which
-- refund. Keep in step with ../sqlserver/00002_receipt_reversal.sql.

-- +goose Up
ALTER TABLE receipts ADD COLUMN reversed_at TEXT;
ALTER TABLE receipts ADD COLUMN reversal_ref TEXT;

-- +goose Down
ALTER TABLE receipts DROP COLUMN reversal_ref;
ALTER TABLE receipts DROP COLUMN reversed_at;
