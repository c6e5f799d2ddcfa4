-- What finance staff need (issue 11): a reconciliation exception resolved once, by whom and how,
-- and the indexes behind the payment search and an order's callbacks, so that no search of the
-- staff area scans the orders table. Keep in step with ../sqlite/00012_finance_staff.sql.
-- The filtered indexes need QUOTED_IDENTIFIER and ANSI_NULLS ON in every session that writes these
-- tables: go-mssqldb connects that way; sqlcmd needs -I.

-- +goose Up
ALTER TABLE recon_items ADD resolved_at DATETIME2(3) NULL;
ALTER TABLE recon_items ADD resolved_by BIGINT NULL;
ALTER TABLE recon_items ADD resolution NVARCHAR(500) NULL;
ALTER TABLE recon_items ADD CONSTRAINT recon_items_resolved_by FOREIGN KEY (resolved_by) REFERENCES staff (id);
CREATE INDEX payment_orders_created ON payment_orders (created_at, id);
CREATE INDEX payment_orders_txn ON payment_orders (provider_txn_id) WHERE provider_txn_id IS NOT NULL;
CREATE INDEX payment_orders_receipt ON payment_orders (posted_receipt_no) WHERE posted_receipt_no IS NOT NULL;
CREATE INDEX callbacks_order ON callbacks (out_trade_no);
CREATE INDEX callback_conflicts_order ON callback_conflicts (out_trade_no);
CREATE INDEX callback_conflicts_kept ON callback_conflicts (kept_out_trade_no);

-- +goose Down
DROP INDEX callback_conflicts_kept ON callback_conflicts;
DROP INDEX callback_conflicts_order ON callback_conflicts;
DROP INDEX callbacks_order ON callbacks;
DROP INDEX payment_orders_receipt ON payment_orders;
DROP INDEX payment_orders_txn ON payment_orders;
DROP INDEX payment_orders_created ON payment_orders;
ALTER TABLE recon_items DROP CONSTRAINT recon_items_resolved_by;
ALTER TABLE recon_items DROP COLUMN resolution;
ALTER TABLE recon_items DROP COLUMN resolved_by;
ALTER TABLE recon_items DROP COLUMN resolved_at;
