-- The portal database: what gridpay itself owns (account bindings, and as they arrive payment
-- orders, provider callbacks, the outbox, disputes, staff and the audit log).
-- Keep in step with ../sqlserver/00001_portal.sql.

-- +goose Up
-- Accounts a customer bound to their phone besides those registered to it (a parent's, a shop).
CREATE TABLE bindings (
    id         INTEGER PRIMARY KEY,
    phone      TEXT NOT NULL,
    account_no TEXT NOT NULL,
    bound_at   TEXT NOT NULL,
    UNIQUE (phone, account_no)
);

-- +goose Down
DROP TABLE bindings;
