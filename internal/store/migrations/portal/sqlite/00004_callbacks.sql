-- Provider callbacks, kept raw: the first delivery of each provider transaction, in the same
-- transaction that marks its order paid. Keep in step with ../sqlserver/00004_callbacks.sql.

-- +goose Up
CREATE TABLE callbacks (
    id              INTEGER PRIMARY KEY,
    provider        TEXT    NOT NULL,
    provider_txn_id TEXT    NOT NULL,
    out_trade_no    TEXT    NOT NULL,
    headers         TEXT    NOT NULL,           -- the request headers as JSON
    body            BLOB    NOT NULL,           -- the body exactly as it arrived
    received_at     TEXT    NOT NULL,
    UNIQUE (provider, provider_txn_id)
);

-- +goose Down
DROP TABLE callbacks;
