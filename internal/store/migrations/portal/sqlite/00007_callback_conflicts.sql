-- Callbacks answered but not taken, kept raw for staff: the same provider transaction reported
-- again with another amount, order or account; another transaction for an order paid already; a
-- bank collection for an account that does not exist. Nothing is posted from them automatically.
-- body_text is a callback as people read it, in UTF-8, where the body as it arrived is not (an
-- Alipay notification in GBK); '' otherwise. Keep in step with ../sqlserver/00006_callback_conflicts.sql.

-- +goose Up
CREATE TABLE callback_conflicts (
    id                INTEGER PRIMARY KEY,
    provider          TEXT    NOT NULL,
    provider_txn_id   TEXT    NOT NULL,
    kind              TEXT    NOT NULL CHECK (kind IN ('AMOUNT', 'ORDER', 'ACCOUNT', 'PAID_TWICE', 'UNKNOWN_ACCOUNT')),
    out_trade_no      TEXT    NOT NULL,   -- as reported; '' for a bank collection
    account_no        TEXT    NOT NULL,   -- as reported; '' for an order's callback
    amount_fen        INTEGER NOT NULL,   -- as reported
    kept_out_trade_no TEXT    NOT NULL,   -- the order the transaction's first callback was kept for; '' if none
    headers           TEXT    NOT NULL,   -- the request headers as JSON
    body              BLOB    NOT NULL,   -- the body exactly as it arrived
    body_text         TEXT    NOT NULL,
    received_at       TEXT    NOT NULL
);
CREATE INDEX callback_conflicts_txn ON callback_conflicts (provider, provider_txn_id);
ALTER TABLE callbacks ADD COLUMN body_text TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE callbacks DROP COLUMN body_text;
DROP TABLE callback_conflicts;
