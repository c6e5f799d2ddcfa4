-- Provider callbacks, kept raw: the first delivery of each provider transaction, in the same
-- transaction that marks its order paid. Keep in step with ../sqlite/00004_callbacks.sql.

-- +goose Up
CREATE TABLE callbacks (
    id              BIGINT IDENTITY(1,1) PRIMARY KEY,
    provider        NVARCHAR(16)   COLLATE Latin1_General_100_BIN2 NOT NULL,
    provider_txn_id NVARCHAR(64)   COLLATE Latin1_General_100_BIN2 NOT NULL,
    out_trade_no    NVARCHAR(32)   COLLATE Latin1_General_100_BIN2 NOT NULL,
    headers         NVARCHAR(MAX)  NOT NULL,
    body            VARBINARY(MAX) NOT NULL,
    received_at     DATETIME2(3)   NOT NULL,
    CONSTRAINT callbacks_provider_txn UNIQUE (provider, provider_txn_id)
);

-- +goose Down
DROP TABLE callbacks;
