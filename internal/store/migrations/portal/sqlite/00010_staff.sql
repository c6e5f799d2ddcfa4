-- Staff accounts of the staff area (issue 11) and the audit log of what staff do. The audit log is
-- append-only: the store has no statement that updates or deletes its rows (a test in
-- internal/store holds it to that). Keep in step with ../sqlserver/00010_staff.sql.

-- +goose Up
CREATE TABLE staff (
    id                   INTEGER PRIMARY KEY,
    username             TEXT    NOT NULL UNIQUE CHECK (length(username) BETWEEN 3 AND 32
                             AND username NOT GLOB '*[^a-z0-9._-]*'),
    display_name         TEXT    NOT NULL,
    role                 TEXT    NOT NULL CHECK (role IN ('agent', 'supervisor', 'finance', 'auditor', 'admin')),
    station_id           INTEGER,            -- a supply station: the staff member sees only its customers
    password_hash        TEXT    NOT NULL,   -- argon2id in the PHC string form
    must_change_password INTEGER NOT NULL CHECK (must_change_password IN (0, 1)),
    disabled             INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    totp_secret          TEXT,               -- the TOTP second factor's base32 secret; NULL until enrolled
    created_at           TEXT    NOT NULL,
    updated_at           TEXT    NOT NULL
);

-- Who (staff_id, NULL for the command line), when, what (action, target), the state before and
-- after as JSON, why, and from where.
CREATE TABLE staff_audit (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    staff_id    INTEGER REFERENCES staff (id),
    action      TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    before_json TEXT,
    after_json  TEXT,
    reason      TEXT    NOT NULL,
    client_addr TEXT    NOT NULL
);
CREATE INDEX staff_audit_at ON staff_audit (at, id);
CREATE INDEX staff_audit_staff ON staff_audit (staff_id, at);
CREATE INDEX staff_audit_action ON staff_audit (action, at);

-- +goose Down
DROP TABLE staff_audit;
DROP TABLE staff;
