-- The core marketing database (营销库), reference schema for SQLite.
-- Keep in step with ../sqlserver/00001_core.sql: same tables, columns and keys.
-- Dates are TEXT 'YYYY-MM-DD'; times are TEXT 'YYYY-MM-DD HH:MM:SS.fff' in UTC; money is INTEGER fen;
-- prices are INTEGER units of 0.0001 yuan; readings are INTEGER units of 0.01 kWh.

-- +goose Up
CREATE TABLE substations (
    id         INTEGER PRIMARY KEY,
    code       TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    voltage_kv INTEGER NOT NULL
);

CREATE TABLE lines (
    id            INTEGER PRIMARY KEY,
    code          TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    substation_id INTEGER NOT NULL REFERENCES substations (id),
    voltage_kv    INTEGER NOT NULL
);

CREATE TABLE supply_stations (
    id    INTEGER PRIMARY KEY,
    code  TEXT NOT NULL UNIQUE,
    name  TEXT NOT NULL,
    town  TEXT NOT NULL,
    phone TEXT NOT NULL
);

CREATE TABLE transformer_areas (
    id             INTEGER PRIMARY KEY,
    code           TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL,
    station_id     INTEGER NOT NULL REFERENCES supply_stations (id),
    line_id        INTEGER NOT NULL REFERENCES lines (id),
    capacity_kva   INTEGER NOT NULL,
    no_load_loss_w INTEGER NOT NULL, -- 变压器空载损耗
    load_loss_w    INTEGER NOT NULL  -- 变压器负载损耗 at rated load
);

CREATE TABLE tariffs (
    id             INTEGER PRIMARY KEY,
    code           TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL,
    class          TEXT    NOT NULL,
    kind           TEXT    NOT NULL,                -- tiered | tou | flat
    tier_mode      TEXT    NOT NULL DEFAULT '',     -- monthly | annual (tiered only)
    flat_price     INTEGER NOT NULL DEFAULT 0,
    capacity_price INTEGER NOT NULL DEFAULT 0,      -- per kVA per month
    valid_from     TEXT    NOT NULL
);

CREATE TABLE tariff_prices (
    tariff_id INTEGER NOT NULL REFERENCES tariffs (id),
    item      TEXT    NOT NULL,                      -- tier1.. | sharp | peak | flat | valley
    seq       INTEGER NOT NULL,
    up_to_kwh INTEGER NOT NULL DEFAULT 0,            -- tiers: inclusive bound, 0 = none
    price     INTEGER NOT NULL,
    PRIMARY KEY (tariff_id, item)
) WITHOUT ROWID;

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    account_no    TEXT    NOT NULL UNIQUE,           -- 户号, 10 digits
    name          TEXT    NOT NULL,
    address       TEXT    NOT NULL,
    phone         TEXT    NOT NULL,
    class         TEXT    NOT NULL,
    industry_code TEXT    NOT NULL,
    station_id    INTEGER NOT NULL REFERENCES supply_stations (id),
    area_id       INTEGER NOT NULL REFERENCES transformer_areas (id),
    tariff_id     INTEGER NOT NULL REFERENCES tariffs (id),
    capacity_kva  INTEGER NOT NULL DEFAULT 0,
    important     INTEGER NOT NULL DEFAULT 0,        -- 重要用户: notices are copied to the power administration
    prepaid_fen   INTEGER NOT NULL DEFAULT 0,        -- current prepaid balance; prepaid_ledger is its history
    opened_on     TEXT    NOT NULL
);
CREATE INDEX accounts_phone ON accounts (phone);

CREATE TABLE meters (
    id           INTEGER PRIMARY KEY,
    asset_no     TEXT    NOT NULL UNIQUE,
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    digits       INTEGER NOT NULL,
    multiplier   INTEGER NOT NULL,
    smart        INTEGER NOT NULL DEFAULT 0,
    tou          INTEGER NOT NULL DEFAULT 0,
    installed_on TEXT    NOT NULL
);
CREATE INDEX meters_account ON meters (account_id);

-- Monthly readings, one per meter and billing period (YYYYMM); registers only on time-of-use meters.
CREATE TABLE readings (
    meter_id INTEGER NOT NULL REFERENCES meters (id),
    period   INTEGER NOT NULL,
    read_on  TEXT    NOT NULL,
    total    INTEGER NOT NULL,
    peak     INTEGER,
    flat     INTEGER,
    valley   INTEGER,
    PRIMARY KEY (meter_id, period)
) WITHOUT ROWID;

-- Daily readings from smart meters (用电信息采集).
CREATE TABLE daily_readings (
    meter_id INTEGER NOT NULL REFERENCES meters (id),
    read_on  TEXT    NOT NULL,
    total    INTEGER NOT NULL,
    peak     INTEGER,
    flat     INTEGER,
    valley   INTEGER,
    PRIMARY KEY (meter_id, read_on)
) WITHOUT ROWID;

CREATE TABLE bills (
    id                 INTEGER PRIMARY KEY,
    account_id         INTEGER NOT NULL REFERENCES accounts (id),
    period             INTEGER NOT NULL,
    class              TEXT    NOT NULL,
    tariff_id          INTEGER NOT NULL REFERENCES tariffs (id),
    issued_on          TEXT    NOT NULL,
    due_on             TEXT    NOT NULL,
    kwh                INTEGER NOT NULL,
    principal_fen      INTEGER NOT NULL,
    principal_paid_fen INTEGER NOT NULL DEFAULT 0,
    fee_accrued_fen    INTEGER NOT NULL DEFAULT 0,
    fee_paid_fen       INTEGER NOT NULL DEFAULT 0,
    accrued_through    TEXT,
    status             TEXT    NOT NULL,             -- unpaid | partly_paid | paid
    UNIQUE (account_id, period)
);
CREATE INDEX bills_open ON bills (due_on) WHERE status <> 'paid';

CREATE TABLE bill_items (
    bill_id    INTEGER NOT NULL REFERENCES bills (id),
    line_no    INTEGER NOT NULL,
    code       TEXT    NOT NULL,
    quantity   INTEGER NOT NULL,
    unit_price INTEGER NOT NULL,
    amount_fen INTEGER NOT NULL,
    PRIMARY KEY (bill_id, line_no)
) WITHOUT ROWID;

-- Receipts (收费流水): one per posted payment, unique on the channel and the channel's order number,
-- so posting one payment twice is impossible by construction.
CREATE TABLE receipts (
    id            INTEGER PRIMARY KEY,
    receipt_no    TEXT    NOT NULL UNIQUE,
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    channel       TEXT    NOT NULL,
    order_no      TEXT    NOT NULL,
    amount_fen    INTEGER NOT NULL,
    fee_fen       INTEGER NOT NULL,
    principal_fen INTEGER NOT NULL,
    prepaid_fen   INTEGER NOT NULL,
    paid_on       TEXT    NOT NULL,
    posted_at     TEXT    NOT NULL,
    UNIQUE (channel, order_no)
);
CREATE INDEX receipts_account ON receipts (account_id, paid_on);

CREATE TABLE receipt_allocations (
    receipt_id    INTEGER NOT NULL REFERENCES receipts (id),
    bill_id       INTEGER NOT NULL REFERENCES bills (id),
    fee_fen       INTEGER NOT NULL,
    principal_fen INTEGER NOT NULL,
    PRIMARY KEY (receipt_id, bill_id)
) WITHOUT ROWID;

CREATE TABLE prepaid_ledger (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    entry_on    TEXT    NOT NULL,
    delta_fen   INTEGER NOT NULL,
    balance_fen INTEGER NOT NULL,
    reason      TEXT    NOT NULL,                    -- payment | bill | refund | adjustment
    receipt_id  INTEGER REFERENCES receipts (id),
    bill_id     INTEGER REFERENCES bills (id)
);
CREATE INDEX prepaid_ledger_account ON prepaid_ledger (account_id, id);

-- Reminders (催交记录) kept as proof: one per account, stage, day and channel.
CREATE TABLE reminders (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    stage      TEXT    NOT NULL,
    channel    TEXT    NOT NULL,
    remind_on  TEXT    NOT NULL,
    sent_at    TEXT    NOT NULL,
    amount_fen INTEGER NOT NULL,
    recipient  TEXT    NOT NULL,                     -- masked
    content    TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    UNIQUE (account_id, stage, remind_on, channel)
);

CREATE TABLE counters (
    name  TEXT    PRIMARY KEY,
    last_no INTEGER NOT NULL
);
INSERT INTO counters (name, last_no) VALUES ('receipt', 0);

-- +goose Down
DROP TABLE counters;
DROP TABLE reminders;
DROP TABLE prepaid_ledger;
DROP TABLE receipt_allocations;
DROP TABLE receipts;
DROP TABLE bill_items;
DROP TABLE bills;
DROP TABLE daily_readings;
DROP TABLE readings;
DROP TABLE meters;
DROP TABLE accounts;
DROP TABLE tariff_prices;
DROP TABLE tariffs;
DROP TABLE transformer_areas;
DROP TABLE supply_stations;
DROP TABLE lines;
DROP TABLE substations;
