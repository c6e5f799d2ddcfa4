-- The reminder proof (催交记录) says what each reminder was about and how it ended: the bill and its
-- due date, a notice's planned interruption, the channel's message id (which delivery reports name)
-- and its error code of a failure, and when a delivery report confirmed it. The status is one of
-- billing.ReminderStatuses(). One index lists an account's reminders newest first (the customer's
-- notices list); another finds a reminder by its channel's message id (delivery reports).
-- SQLite adds no CHECK to a table that exists, so the table is rebuilt with every row kept: nothing
-- references reminders, and the rebuild keeps every column, key and id.
-- Keep in step with ../sqlserver/00004_reminder_proof.sql.
-- +goose Up
CREATE TABLE reminders_v4 (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    stage        TEXT    NOT NULL,
    channel      TEXT    NOT NULL,
    remind_on    TEXT    NOT NULL,
    sent_at      TEXT    NOT NULL,
    amount_fen   INTEGER NOT NULL,
    recipient    TEXT    NOT NULL,                   -- masked
    content      TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('sent', 'delivered', 'failed')),
    bill_id      INTEGER REFERENCES bills (id),      -- the bill it is about; NULL for a low-balance alert
    due_on       TEXT,                               -- that bill's due date
    planned_on   TEXT,                               -- a notice's planned interruption
    message_id   TEXT,                               -- the channel's id of the message
    error_code   TEXT,                               -- the channel's error code of a failure
    delivered_at TEXT,                               -- when a delivery report confirmed it
    UNIQUE (account_id, stage, remind_on, channel)
);
INSERT INTO reminders_v4 (id, account_id, stage, channel, remind_on, sent_at, amount_fen, recipient, content, status)
SELECT id, account_id, stage, channel, remind_on, sent_at, amount_fen, recipient, content, status FROM reminders;
DROP TABLE reminders;
ALTER TABLE reminders_v4 RENAME TO reminders;
CREATE INDEX reminders_account_newest ON reminders (account_id, remind_on DESC, id DESC);
CREATE INDEX reminders_message ON reminders (channel, message_id) WHERE message_id IS NOT NULL;
-- +goose Down
CREATE TABLE reminders_v3 (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    stage      TEXT    NOT NULL,
    channel    TEXT    NOT NULL,
    remind_on  TEXT    NOT NULL,
    sent_at    TEXT    NOT NULL,
    amount_fen INTEGER NOT NULL,
    recipient  TEXT    NOT NULL,
    content    TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    UNIQUE (account_id, stage, remind_on, channel)
);
INSERT INTO reminders_v3 (id, account_id, stage, channel, remind_on, sent_at, amount_fen, recipient, content, status)
SELECT id, account_id, stage, channel, remind_on, sent_at, amount_fen, recipient, content, status FROM reminders;
DROP TABLE reminders;
ALTER TABLE reminders_v3 RENAME TO reminders;
