-- The staff side of disputes (issue 11): two more statuses (awaiting_approval: a settlement waits for
-- a supervisor; follow_up: staff call the customer back), the station that scopes which staff see a
-- dispute, when it entered its status (the service-level clock), who is assigned, who replied,
-- internal notes, and the settlements staff propose, decide and post.
--
-- SQLite cannot change a CHECK in place, so disputes is rebuilt. Its children are rebuilt with it
-- rather than dropping the parent under them: with foreign keys on (store.Open turns them on for
-- every connection, and goose runs this in one transaction, where the pragma cannot be changed),
-- dropping a parent that children reference fails, and renaming keeps the children's references
-- pointing at the renamed table. So: new tables referencing disputes_new, rows copied with their
-- ids, old children then the old parent dropped, and the renames point every reference back at
-- "disputes". All in goose's one transaction: it lands whole or not at all.
-- Keep in step with ../sqlserver/00011_dispute_workflow.sql.

-- +goose Up
CREATE TABLE disputes_new (
    id          INTEGER PRIMARY KEY,
    phone       TEXT    NOT NULL,
    account_no  TEXT    NOT NULL,
    bill_id     INTEGER,
    bill_period INTEGER,
    category    TEXT    NOT NULL CHECK (category IN
                    ('reading_amount', 'not_credited', 'paid_twice', 'late_fee_waiver', 'faulty_meter')),
    text        TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN
                    ('open', 'in_review', 'awaiting_approval', 'adjusted', 'refunded', 'rejected', 'follow_up', 'closed')),
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    station_id  INTEGER,                     -- the account's supply station: station staff see only theirs
    status_at   TEXT,                        -- when it entered its status: the service-level clock
    assignee_id INTEGER REFERENCES staff (id)
);
INSERT INTO disputes_new (id, phone, account_no, bill_id, bill_period, category, text, status, created_at, updated_at, status_at)
SELECT id, phone, account_no, bill_id, bill_period, category, text, status, created_at, updated_at, updated_at FROM disputes;

CREATE TABLE dispute_messages_new (
    id         INTEGER PRIMARY KEY,
    dispute_id INTEGER NOT NULL REFERENCES disputes_new (id),
    author     TEXT    NOT NULL CHECK (author IN ('customer', 'staff')),
    text       TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    staff_id   INTEGER REFERENCES staff (id)  -- who replied, for author 'staff'
);
INSERT INTO dispute_messages_new (id, dispute_id, author, text, created_at)
SELECT id, dispute_id, author, text, created_at FROM dispute_messages;

CREATE TABLE dispute_photos_new (
    dispute_id   INTEGER PRIMARY KEY REFERENCES disputes_new (id),
    content_type TEXT    NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    bytes        BLOB    NOT NULL
);
INSERT INTO dispute_photos_new (dispute_id, content_type, bytes) SELECT dispute_id, content_type, bytes FROM dispute_photos;

DROP TABLE dispute_photos;
DROP TABLE dispute_messages;
DROP TABLE disputes;
ALTER TABLE disputes_new RENAME TO disputes;
ALTER TABLE dispute_messages_new RENAME TO dispute_messages;
ALTER TABLE dispute_photos_new RENAME TO dispute_photos;
CREATE INDEX disputes_phone ON disputes (phone, id);
CREATE INDEX disputes_status_updated ON disputes (status, updated_at);
CREATE INDEX disputes_queue ON disputes (station_id, status, status_at);
CREATE INDEX dispute_messages_dispute ON dispute_messages (dispute_id, id);

-- Internal notes of staff about a dispute; never shown to the customer.
CREATE TABLE dispute_notes (
    id         INTEGER PRIMARY KEY,
    dispute_id INTEGER NOT NULL REFERENCES disputes (id),
    staff_id   INTEGER NOT NULL REFERENCES staff (id),
    text       TEXT    NOT NULL,
    created_at TEXT    NOT NULL
);
CREATE INDEX dispute_notes_dispute ON dispute_notes (dispute_id, id);

-- Settlements: proposed by one staff member, decided by another when above the proposer's limit
-- (the last CHECK holds the four-eyes rule even against a hand-written UPDATE), and, for an
-- adjustment of a bill or a waived fee, posted to the core database by a worker.
CREATE TABLE dispute_actions (
    id              INTEGER PRIMARY KEY,
    dispute_id      INTEGER NOT NULL REFERENCES disputes (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('adjust_bill', 'waive_fee', 'refund', 'reject')),
    account_no      TEXT    NOT NULL,
    bill_id         INTEGER,
    amount_fen      INTEGER NOT NULL CHECK (amount_fen >= 0),  -- 0 for a rejection
    order_no        TEXT,                                       -- a refund's payment order (out_trade_no)
    reason_code     TEXT,                                       -- a rejection's billing.RejectReason
    reason          TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('proposed', 'approved', 'declined', 'posted')),
    proposed_by     INTEGER NOT NULL REFERENCES staff (id),
    proposed_at     TEXT    NOT NULL,
    decided_by      INTEGER REFERENCES staff (id),
    decided_at      TEXT,
    decision_reason TEXT,
    posted_at       TEXT,
    posted_ref      TEXT,
    CONSTRAINT dispute_actions_four_eyes CHECK (decided_by IS NULL OR decided_by <> proposed_by)
);
CREATE INDEX dispute_actions_dispute ON dispute_actions (dispute_id, id);
-- One settlement waits for a decision at a time.
CREATE UNIQUE INDEX dispute_actions_one_proposed ON dispute_actions (dispute_id) WHERE status = 'proposed';
-- The worker's outbox: approved adjustments not yet posted.
CREATE INDEX dispute_actions_to_post ON dispute_actions (id) WHERE status = 'approved' AND kind IN ('adjust_bill', 'waive_fee');

-- +goose Down
-- A dispute in one of the new statuses cannot go back: the old CHECK refuses it and the whole
-- migration fails unchanged.
DROP TABLE dispute_actions;
DROP TABLE dispute_notes;
CREATE TABLE disputes_old (
    id          INTEGER PRIMARY KEY,
    phone       TEXT    NOT NULL,
    account_no  TEXT    NOT NULL,
    bill_id     INTEGER,
    bill_period INTEGER,
    category    TEXT    NOT NULL CHECK (category IN
                    ('reading_amount', 'not_credited', 'paid_twice', 'late_fee_waiver', 'faulty_meter')),
    text        TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN
                    ('open', 'in_review', 'adjusted', 'refunded', 'rejected', 'closed')),
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
INSERT INTO disputes_old (id, phone, account_no, bill_id, bill_period, category, text, status, created_at, updated_at)
SELECT id, phone, account_no, bill_id, bill_period, category, text, status, created_at, updated_at FROM disputes;
CREATE TABLE dispute_messages_old (
    id         INTEGER PRIMARY KEY,
    dispute_id INTEGER NOT NULL REFERENCES disputes_old (id),
    author     TEXT    NOT NULL CHECK (author IN ('customer', 'staff')),
    text       TEXT    NOT NULL,
    created_at TEXT    NOT NULL
);
INSERT INTO dispute_messages_old (id, dispute_id, author, text, created_at)
SELECT id, dispute_id, author, text, created_at FROM dispute_messages;
CREATE TABLE dispute_photos_old (
    dispute_id   INTEGER PRIMARY KEY REFERENCES disputes_old (id),
    content_type TEXT    NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    bytes        BLOB    NOT NULL
);
INSERT INTO dispute_photos_old (dispute_id, content_type, bytes) SELECT dispute_id, content_type, bytes FROM dispute_photos;
DROP TABLE dispute_photos;
DROP TABLE dispute_messages;
DROP TABLE disputes;
ALTER TABLE disputes_old RENAME TO disputes;
ALTER TABLE dispute_messages_old RENAME TO dispute_messages;
ALTER TABLE dispute_photos_old RENAME TO dispute_photos;
CREATE INDEX disputes_phone ON disputes (phone, id);
CREATE INDEX disputes_status_updated ON disputes (status, updated_at);
CREATE INDEX dispute_messages_dispute ON dispute_messages (dispute_id, id);
