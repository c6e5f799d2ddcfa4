-- Customer disputes (客户异议): what a customer disputes, the thread of customer and staff messages,
-- and at most one photo (a meter, a receipt) as evidence.
-- Keep in step with ../sqlite/00002_disputes.sql.

-- +goose Up
CREATE TABLE disputes (
    id          BIGINT IDENTITY(1,1) PRIMARY KEY,
    phone       NVARCHAR(20) COLLATE Latin1_General_100_BIN2 NOT NULL,
    account_no  NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL,
    bill_id     BIGINT         NULL,
    bill_period INT            NULL,
    category    NVARCHAR(32) COLLATE Latin1_General_100_BIN2 NOT NULL,
    text        NVARCHAR(1000) NOT NULL,
    status      NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL,
    created_at  DATETIME2(3)   NOT NULL,
    updated_at  DATETIME2(3)   NOT NULL,
    CONSTRAINT disputes_category CHECK (category IN
        (N'reading_amount', N'not_credited', N'paid_twice', N'late_fee_waiver', N'faulty_meter')),
    CONSTRAINT disputes_status CHECK (status IN
        (N'open', N'in_review', N'adjusted', N'refunded', N'rejected', N'closed'))
);
CREATE INDEX disputes_phone ON disputes (phone, id);
CREATE INDEX disputes_status_updated ON disputes (status, updated_at);

CREATE TABLE dispute_messages (
    id         BIGINT IDENTITY(1,1) PRIMARY KEY,
    dispute_id BIGINT         NOT NULL REFERENCES disputes (id),
    author     NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL,
    text       NVARCHAR(1000) NOT NULL,
    created_at DATETIME2(3)   NOT NULL,
    CONSTRAINT dispute_messages_author CHECK (author IN (N'customer', N'staff'))
);
CREATE INDEX dispute_messages_dispute ON dispute_messages (dispute_id, id);

CREATE TABLE dispute_photos (
    dispute_id   BIGINT         NOT NULL PRIMARY KEY REFERENCES disputes (id),
    content_type NVARCHAR(32) COLLATE Latin1_General_100_BIN2 NOT NULL,
    bytes        VARBINARY(MAX) NOT NULL,
    CONSTRAINT dispute_photos_type CHECK (content_type IN (N'image/jpeg', N'image/png'))
);

-- +goose Down
DROP TABLE dispute_photos;
DROP TABLE dispute_messages;
DROP TABLE disputes;
