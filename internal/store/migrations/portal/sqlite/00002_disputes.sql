-- Customer disputes (客户异议): what a customer disputes, the thread of customer and staff messages,
-- and at most one photo (a meter, a receipt) as evidence.
-- Keep in step with ../sqlserver/00002_disputes.sql.

-- +goose Up
CREATE TABLE disputes (
    id          INTEGER PRIMARY KEY,
    phone       TEXT    NOT NULL,            -- the filer's signed-in phone: only they see the dispute
    account_no  TEXT    NOT NULL,
    bill_id     INTEGER,                     -- a bill in the core database, when one is disputed
    bill_period INTEGER,                     -- its period (YYYYMM), kept so showing needs no core read
    category    TEXT    NOT NULL CHECK (category IN
                    ('reading_amount', 'not_credited', 'paid_twice', 'late_fee_waiver', 'faulty_meter')),
    text        TEXT    NOT NULL,            -- the customer's own words, as filed
    status      TEXT    NOT NULL CHECK (status IN
                    ('open', 'in_review', 'adjusted', 'refunded', 'rejected', 'closed')),
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
CREATE INDEX disputes_phone ON disputes (phone, id);
CREATE INDEX disputes_status_updated ON disputes (status, updated_at);

-- The thread: the customer's statement first, then staff replies and customer follow-ups.
CREATE TABLE dispute_messages (
    id         INTEGER PRIMARY KEY,
    dispute_id INTEGER NOT NULL REFERENCES disputes (id),
    author     TEXT    NOT NULL CHECK (author IN ('customer', 'staff')),
    text       TEXT    NOT NULL,
    created_at TEXT    NOT NULL
);
CREATE INDEX dispute_messages_dispute ON dispute_messages (dispute_id, id);

-- The photo, checked to be a JPEG or PNG of at most 5 MB before it gets here.
CREATE TABLE dispute_photos (
    dispute_id   INTEGER PRIMARY KEY REFERENCES disputes (id),
    content_type TEXT    NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    bytes        BLOB    NOT NULL
);

-- +goose Down
DROP TABLE dispute_photos;
DROP TABLE dispute_messages;
DROP TABLE disputes;
