-- Payment orders, each order's timeline, and the outbox that carries a paid order to posting
-- (docs/design.md, "A payment, end to end").
-- Keep in step with ../sqlserver/00003_orders.sql.

-- +goose Up
CREATE TABLE payment_orders (
    id                INTEGER PRIMARY KEY,
    out_trade_no      TEXT    NOT NULL UNIQUE,       -- ours, sent to the provider (商户订单号)
    account_no        TEXT    NOT NULL,
    payer_phone       TEXT,                          -- NULL: paid for someone else, not signed in (代缴)
    channel           TEXT    NOT NULL CHECK (channel IN ('wechat', 'alipay', 'bank')),
    amount_fen        INTEGER NOT NULL CHECK (amount_fen > 0),
    status            TEXT    NOT NULL CHECK (status IN
                          ('CREATED', 'PENDING', 'PAID', 'POSTED', 'CLOSED', 'FLAGGED', 'REFUNDING', 'REFUNDED')),
    code_url          TEXT    NOT NULL DEFAULT '',   -- what the QR code carries, once the provider gave it
    provider_txn_id   TEXT,                          -- the provider's transaction id, once paid
    paid_fen          INTEGER,                       -- what the provider reported paid, once paid
    paid_at           TEXT,
    posted_receipt_no TEXT,                          -- the core database's receipt (收费流水号), once posted
    expires_at        TEXT    NOT NULL,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL
);
CREATE INDEX payment_orders_account ON payment_orders (account_no, channel, status);
CREATE INDEX payment_orders_status_created ON payment_orders (status, created_at);
-- One open order per account and channel: a second tap on Pay finds the first order.
CREATE UNIQUE INDEX payment_orders_one_open ON payment_orders (account_no, channel)
    WHERE status IN ('CREATED', 'PENDING');
-- One provider transaction pays one order.
CREATE UNIQUE INDEX payment_orders_provider_txn ON payment_orders (channel, provider_txn_id)
    WHERE provider_txn_id IS NOT NULL;

-- Every status change of an order, for staff and for reconciliation. from_status is NULL when the
-- order was created.
CREATE TABLE payment_events (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES payment_orders (id),
    at          TEXT    NOT NULL,
    from_status TEXT,
    to_status   TEXT    NOT NULL,
    note        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX payment_events_order ON payment_events (order_id, id);

-- Work committed with an order change that must reach a worker even if Redis loses the task: the
-- sweeper enqueues unacknowledged rows again. One row per kind and order.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL CHECK (kind IN ('payment:post')),
    order_id   INTEGER NOT NULL REFERENCES payment_orders (id),
    created_at TEXT    NOT NULL,
    acked_at   TEXT,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT    NOT NULL DEFAULT '',
    UNIQUE (kind, order_id)
);
CREATE INDEX outbox_unacked ON outbox (created_at, id) WHERE acked_at IS NULL;

-- +goose Down
DROP TABLE outbox;
DROP TABLE payment_events;
DROP TABLE payment_orders;
