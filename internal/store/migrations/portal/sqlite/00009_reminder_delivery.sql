-- What the arrears run asks of the portal database beyond its run records (00008): which WeChat
-- official-account follower (OpenID) receives an account's messages, the suppression calendar
-- (holidays, extreme weather: days on which no reminder goes out), and an index that finds a batch
-- of accounts' open disputes.
-- Keep in step with ../sqlserver/00009_reminder_delivery.sql.

-- +goose Up
CREATE TABLE wechat_followers (
    account_no  TEXT NOT NULL PRIMARY KEY,
    open_id     TEXT NOT NULL,                       -- the follower's OpenID under our official account
    followed_at TEXT NOT NULL
);
CREATE TABLE reminder_suppressed_days (
    day      TEXT NOT NULL PRIMARY KEY,              -- a civil date in the bureau's time zone
    reason   TEXT NOT NULL,                          -- staff's words: 春节, 暴雨红色预警
    added_at TEXT NOT NULL
);
CREATE INDEX disputes_account_status ON disputes (account_no, status);

-- +goose Down
DROP INDEX disputes_account_status;
DROP TABLE reminder_suppressed_days;
DROP TABLE wechat_followers;
