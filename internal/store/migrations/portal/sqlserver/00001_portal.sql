-- The portal database: what gridpay itself owns (account bindings, and as they arrive payment
-- orders, provider callbacks, the outbox, disputes, staff and the audit log).
-- Keep in step with ../sqlite/00001_portal.sql.

-- +goose Up
CREATE TABLE bindings (
    id         BIGINT IDENTITY(1,1) PRIMARY KEY,
    phone      NVARCHAR(20) COLLATE Latin1_General_100_BIN2 NOT NULL,
    account_no NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL,
    bound_at   DATETIME2(3) NOT NULL,
    CONSTRAINT bindings_phone_account UNIQUE (phone, account_no)
);

-- +goose Down
DROP TABLE bindings;
