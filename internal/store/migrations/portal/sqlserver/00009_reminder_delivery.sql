-- What the arrears run asks of the portal database beyond its run records (00008): which WeChat
-- official-account follower (OpenID) receives an account's messages, the suppression calendar
-- (holidays, extreme weather: days on which no reminder goes out), and an index that finds a batch
-- of accounts' open disputes.
-- Keep in step with ../sqlite/00009_reminder_delivery.sql.
-- OpenIDs are case-sensitive identifiers: binary collation, like every code here.

-- +goose Up
CREATE TABLE wechat_followers (
    account_no  NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL CONSTRAINT wechat_followers_key PRIMARY KEY,
    open_id     NVARCHAR(64) COLLATE Latin1_General_100_BIN2 NOT NULL,
    followed_at DATETIME2(3) NOT NULL
);
CREATE TABLE reminder_suppressed_days (
    day      DATE          NOT NULL CONSTRAINT reminder_suppressed_days_key PRIMARY KEY,
    reason   NVARCHAR(100) NOT NULL,
    added_at DATETIME2(3)  NOT NULL
);
CREATE INDEX disputes_account_status ON disputes (account_no, status);

-- +goose Down
DROP INDEX disputes_account_status ON disputes;
DROP TABLE reminder_suppressed_days;
DROP TABLE wechat_followers;
