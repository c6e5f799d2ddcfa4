-- Callbacks answered but not taken, kept raw for staff: the same provider transaction reported
-- again with another amount, order or account; another transaction for an order paid already; a
-- bank collection for an account that does not exist. Nothing is posted from them automatically.
-- body_text is a callback as people read it, in UTF-8, where the body as it arrived is not (an
-- Alipay notification in GBK); N'' otherwise. Keep in step with ../sqlite/00006_callback_conflicts.sql.

-- +goose Up
CREATE TABLE callback_conflicts (
    id                BIGINT IDENTITY(1,1) PRIMARY KEY,
    provider          NVARCHAR(16)   COLLATE Latin1_General_100_BIN2 NOT NULL,
    provider_txn_id   NVARCHAR(64)   COLLATE Latin1_General_100_BIN2 NOT NULL,
    kind              NVARCHAR(16)   COLLATE Latin1_General_100_BIN2 NOT NULL,
    out_trade_no      NVARCHAR(32)   COLLATE Latin1_General_100_BIN2 NOT NULL,
    account_no        NVARCHAR(32)   COLLATE Latin1_General_100_BIN2 NOT NULL,
    amount_fen        BIGINT         NOT NULL,
    kept_out_trade_no NVARCHAR(32)   COLLATE Latin1_General_100_BIN2 NOT NULL,
    headers           NVARCHAR(MAX)  NOT NULL,
    body              VARBINARY(MAX) NOT NULL,
    body_text         NVARCHAR(MAX)  NOT NULL,
    received_at       DATETIME2(3)   NOT NULL,
    CONSTRAINT callback_conflicts_kind CHECK (kind IN (N'AMOUNT', N'ORDER', N'ACCOUNT', N'PAID_TWICE', N'UNKNOWN_ACCOUNT'))
);
CREATE INDEX callback_conflicts_txn ON callback_conflicts (provider, provider_txn_id);
ALTER TABLE callbacks ADD body_text NVARCHAR(MAX) NOT NULL CONSTRAINT callbacks_body_text_default DEFAULT N'';

-- +goose Down
ALTER TABLE callbacks DROP CONSTRAINT callbacks_body_text_default;
ALTER TABLE callbacks DROP COLUMN body_text;
DROP TABLE callback_conflicts;
