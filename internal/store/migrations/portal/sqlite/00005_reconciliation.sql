-- Daily three-way reconciliation results (provider statement <-> orders <-> core receipts), one row
-- per order per day and channel, for the staff page. Keep in step with ../sqlserver/00005_reconciliation.sql.

-- +goose Up
CREATE TABLE recon_items (
    id              INTEGER PRIMARY KEY,
    day             TEXT    NOT NULL,
    channel         TEXT    NOT NULL,
    out_trade_no    TEXT    NOT NULL,
    provider_txn_id TEXT    NOT NULL,
    status          TEXT    NOT NULL,   -- matched | missing_locally | missing_at_provider | amount_mismatch | paid_not_posted
    provider_fen    INTEGER NOT NULL,
    order_fen       INTEGER NOT NULL,
    receipt_no      TEXT    NOT NULL,
    note            TEXT    NOT NULL,
    checked_at      TEXT    NOT NULL,
    UNIQUE (day, channel, out_trade_no)
);

-- +goose Down
DROP TABLE recon_items;
