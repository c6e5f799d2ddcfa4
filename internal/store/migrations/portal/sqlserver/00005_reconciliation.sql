-- Daily three-way reconciliation results (provider statement <-> orders <-> core receipts), one row
-- per order per day and channel, for the staff page. Keep in step with ../sqlite/00005_reconciliation.sql.

-- +goose Up
CREATE TABLE recon_items (
    id              BIGINT IDENTITY(1,1) PRIMARY KEY,
    day             DATE          NOT NULL,
    channel         NVARCHAR(16)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    out_trade_no    NVARCHAR(32)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    provider_txn_id NVARCHAR(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    status          NVARCHAR(32) COLLATE Latin1_General_100_BIN2 NOT NULL,
    provider_fen    BIGINT        NOT NULL,
    order_fen       BIGINT        NOT NULL,
    receipt_no      NVARCHAR(32) COLLATE Latin1_General_100_BIN2 NOT NULL,
    note            NVARCHAR(500) NOT NULL,
    checked_at      DATETIME2(3)  NOT NULL,
    CONSTRAINT recon_items_once UNIQUE (day, channel, out_trade_no)
);

-- +goose Down
DROP TABLE recon_items;
