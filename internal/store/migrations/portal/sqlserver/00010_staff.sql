-- Staff accounts of the staff area (issue 11) and the audit log of what staff do. The audit log is
-- append-only: the store has no statement that updates or deletes its rows (a test in
-- internal/store holds it to that). Keep in step with ../sqlite/00010_staff.sql.

-- +goose Up
CREATE TABLE staff (
    id                   BIGINT IDENTITY(1,1) PRIMARY KEY,
    username             NVARCHAR(32)  COLLATE Latin1_General_100_BIN2 NOT NULL CONSTRAINT staff_username UNIQUE,
    display_name         NVARCHAR(50)  NOT NULL,
    role                 NVARCHAR(16)  COLLATE Latin1_General_100_BIN2 NOT NULL,
    station_id           INT           NULL,
    password_hash        NVARCHAR(256) COLLATE Latin1_General_100_BIN2 NOT NULL,
    must_change_password BIT           NOT NULL,
    disabled             BIT           NOT NULL CONSTRAINT staff_disabled_default DEFAULT 0,
    totp_secret          NVARCHAR(64)  COLLATE Latin1_General_100_BIN2 NULL,
    created_at           DATETIME2(3)  NOT NULL,
    updated_at           DATETIME2(3)  NOT NULL,
    -- The binary collation makes [a-z] mean the 26 lower-case letters and nothing else. The dash
    -- comes first in the class: Babelfish reads a trailing one as the start of a range.
    CONSTRAINT staff_username_format CHECK (LEN(username) BETWEEN 3 AND 32
        AND username NOT LIKE N'%[^-a-z0-9._]%'),
    CONSTRAINT staff_role CHECK (role IN (N'agent', N'supervisor', N'finance', N'auditor', N'admin'))
);

CREATE TABLE staff_audit (
    id          BIGINT IDENTITY(1,1) PRIMARY KEY,
    at          DATETIME2(3)   NOT NULL,
    staff_id    BIGINT         NULL REFERENCES staff (id),
    action      NVARCHAR(32)   COLLATE Latin1_General_100_BIN2 NOT NULL,
    target      NVARCHAR(100)  NOT NULL,
    before_json NVARCHAR(MAX)  NULL,
    after_json  NVARCHAR(MAX)  NULL,
    reason      NVARCHAR(500)  NOT NULL,
    client_addr NVARCHAR(64)   COLLATE Latin1_General_100_BIN2 NOT NULL
);
CREATE INDEX staff_audit_at ON staff_audit (at, id);
CREATE INDEX staff_audit_staff ON staff_audit (staff_id, at);
CREATE INDEX staff_audit_action ON staff_audit (action, at);

-- +goose Down
DROP TABLE staff_audit;
DROP TABLE staff;
