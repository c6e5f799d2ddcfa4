-- Payment orders, each order's timeline, and the outbox that carries a paid order to posting
-- (docs/design.md, "A payment, end to end").
-- Keep in step with ../sqlite/00003_orders.sql.
-- The filtered indexes need QUOTED_IDENTIFIER and ANSI_NULLS ON in every session that writes these
-- tables: go-mssqldb connects that way; sqlcmd needs -I.

-- +goose Up
CREATE TABLE payment_orders (
    id                BIGINT IDENTITY(1,1) PRIMARY KEY,
    out_trade_no      NVARCHAR(32)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    account_no        NVARCHAR(16)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    payer_phone       NVARCHAR(20)  COLLATE Latin1_General_100_BIN2 NULL,
    channel           NVARCHAR(16)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    amount_fen        BIGINT        NOT NULL,
    status            NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL,
    code_url          NVARCHAR(512) NOT NULL CONSTRAINT payment_orders_code_url_default DEFAULT N'',
    provider_txn_id   NVARCHAR(64)  COLLATE Latin1_General_100_BIN2 NULL,
    paid_fen          BIGINT        NULL,
    paid_at           DATETIME2(3)  NULL,
    posted_receipt_no NVARCHAR(32)  COLLATE Latin1_General_100_BIN2 NULL,
    expires_at        DATETIME2(3)  NOT NULL,
    created_at        DATETIME2(3)  NOT NULL,
    updated_at        DATETIME2(3)  NOT NULL,
    CONSTRAINT payment_orders_out_trade_no UNIQUE (out_trade_no),
    CONSTRAINT payment_orders_channel CHECK (channel IN (N'wechat', N'alipay', N'bank')),
    CONSTRAINT payment_orders_amount CHECK (amount_fen > 0),
    CONSTRAINT payment_orders_status CHECK (status IN
        (N'CREATED', N'PENDING', N'PAID', N'POSTED', N'CLOSED', N'FLAGGED', N'REFUNDING', N'REFUNDED'))
);
CREATE INDEX payment_orders_account ON payment_orders (account_no, channel, status);
CREATE INDEX payment_orders_status_created ON payment_orders (status, created_at);
CREATE UNIQUE INDEX payment_orders_one_open ON payment_orders (account_no, channel)
    WHERE status IN (N'CREATED', N'PENDING');
CREATE UNIQUE INDEX payment_orders_provider_txn ON payment_orders (channel, provider_txn_id)
    WHERE provider_txn_id IS NOT NULL;

CREATE TABLE payment_events (
    id          BIGINT IDENTITY(1,1) PRIMARY KEY,
    order_id    BIGINT        NOT NULL REFERENCES payment_orders (id),
    at          DATETIME2(3)  NOT NULL,
    from_status NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NULL,
    to_status   NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL,
    note        NVARCHAR(500) NOT NULL CONSTRAINT payment_events_note_default DEFAULT N''
);
CREATE INDEX payment_events_order ON payment_events (order_id, id);

CREATE TABLE outbox (
    id         BIGINT IDENTITY(1,1) PRIMARY KEY,
    kind       NVARCHAR(32)   COLLATE Latin1_General_100_BIN2 NOT NULL,
    order_id   BIGINT         NOT NULL REFERENCES payment_orders (id),
    created_at DATETIME2(3)   NOT NULL,
    acked_at   DATETIME2(3)   NULL,
    attempts   INT            NOT NULL CONSTRAINT outbox_attempts_default DEFAULT 0,
    last_error NVARCHAR(1000) NOT NULL CONSTRAINT outbox_last_error_default DEFAULT N'',
    CONSTRAINT outbox_kind CHECK (kind IN (N'payment:post')),
    CONSTRAINT outbox_kind_order UNIQUE (kind, order_id)
);
CREATE INDEX outbox_unacked ON outbox (created_at, id) WHERE acked_at IS NULL;

-- +goose Down
DROP TABLE outbox;
DROP TABLE payment_events;
DROP TABLE payment_orders;
