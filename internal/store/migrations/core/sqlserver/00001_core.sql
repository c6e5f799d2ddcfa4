-- The core marketing database (营销库), reference schema for SQL Server.
-- Keep in step with ../sqlite/00001_core.sql: same tables, columns and keys.
-- NVARCHAR for any text that may hold Chinese; DATE for dates; DATETIME2(3) for times (UTC);
-- money is BIGINT fen; prices are BIGINT units of 0.0001 yuan; readings are BIGINT units of 0.01 kWh.
-- Codes (columns compared with fixed values, or under a CHECK or a key) are
-- COLLATE Latin1_General_100_BIN2: the server's default collation is usually case-insensitive.

-- +goose Up
CREATE TABLE substations (
    id         BIGINT IDENTITY(1,1) PRIMARY KEY,
    code       NVARCHAR(32) COLLATE Latin1_General_100_BIN2 NOT NULL UNIQUE,
    name       NVARCHAR(100) NOT NULL,
    voltage_kv INT           NOT NULL
);

CREATE TABLE lines (
    id            BIGINT IDENTITY(1,1) PRIMARY KEY,
    code          NVARCHAR(32) COLLATE Latin1_General_100_BIN2 NOT NULL UNIQUE,
    name          NVARCHAR(100) NOT NULL,
    substation_id BIGINT        NOT NULL REFERENCES substations (id),
    voltage_kv    INT           NOT NULL
);

CREATE TABLE supply_stations (
    id    BIGINT IDENTITY(1,1) PRIMARY KEY,
    code  NVARCHAR(32) COLLATE Latin1_General_100_BIN2 NOT NULL UNIQUE,
    name  NVARCHAR(100) NOT NULL,
    town  NVARCHAR(100) NOT NULL,
    phone NVARCHAR(32)  NOT NULL
);

CREATE TABLE transformer_areas (
    id             BIGINT IDENTITY(1,1) PRIMARY KEY,
    code           NVARCHAR(32) COLLATE Latin1_General_100_BIN2 NOT NULL UNIQUE,
    name           NVARCHAR(100) NOT NULL,
    station_id     BIGINT        NOT NULL REFERENCES supply_stations (id),
    line_id        BIGINT        NOT NULL REFERENCES lines (id),
    capacity_kva   INT           NOT NULL,
    no_load_loss_w INT           NOT NULL,
    load_loss_w    INT           NOT NULL
);

CREATE TABLE tariffs (
    id             BIGINT IDENTITY(1,1) PRIMARY KEY,
    code           NVARCHAR(32) COLLATE Latin1_General_100_BIN2 NOT NULL UNIQUE,
    name           NVARCHAR(100) NOT NULL,
    class          NVARCHAR(32) COLLATE Latin1_General_100_BIN2 NOT NULL,
    kind           NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL,
    tier_mode      NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL DEFAULT N'',
    flat_price     BIGINT        NOT NULL DEFAULT 0,
    capacity_price BIGINT        NOT NULL DEFAULT 0,
    valid_from     DATE          NOT NULL
);

CREATE TABLE tariff_prices (
    tariff_id BIGINT       NOT NULL REFERENCES tariffs (id),
    item      NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL,
    seq       INT          NOT NULL,
    up_to_kwh BIGINT       NOT NULL DEFAULT 0,
    price     BIGINT       NOT NULL,
    PRIMARY KEY (tariff_id, item)
);

CREATE TABLE accounts (
    id            BIGINT IDENTITY(1,1) PRIMARY KEY,
    account_no    NVARCHAR(16)  COLLATE Latin1_General_100_BIN2 NOT NULL UNIQUE,
    name          NVARCHAR(100) NOT NULL,
    address       NVARCHAR(200) NOT NULL,
    phone         NVARCHAR(32) COLLATE Latin1_General_100_BIN2 NOT NULL,
    class         NVARCHAR(32) COLLATE Latin1_General_100_BIN2 NOT NULL,
    industry_code NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL,
    station_id    BIGINT        NOT NULL REFERENCES supply_stations (id),
    area_id       BIGINT        NOT NULL REFERENCES transformer_areas (id),
    tariff_id     BIGINT        NOT NULL REFERENCES tariffs (id),
    capacity_kva  INT           NOT NULL DEFAULT 0,
    important     BIT           NOT NULL DEFAULT 0,
    prepaid_fen   BIGINT        NOT NULL DEFAULT 0,
    opened_on     DATE          NOT NULL
);
CREATE INDEX accounts_phone ON accounts (phone);

CREATE TABLE meters (
    id           BIGINT IDENTITY(1,1) PRIMARY KEY,
    asset_no     NVARCHAR(32) COLLATE Latin1_General_100_BIN2 NOT NULL UNIQUE,
    account_id   BIGINT       NOT NULL REFERENCES accounts (id),
    digits       INT          NOT NULL,
    multiplier   BIGINT       NOT NULL,
    smart        BIT          NOT NULL DEFAULT 0,
    tou          BIT          NOT NULL DEFAULT 0,
    installed_on DATE         NOT NULL
);
CREATE INDEX meters_account ON meters (account_id);

CREATE TABLE readings (
    meter_id BIGINT NOT NULL REFERENCES meters (id),
    period   INT    NOT NULL,
    read_on  DATE   NOT NULL,
    total    BIGINT NOT NULL,
    peak     BIGINT NULL,
    flat     BIGINT NULL,
    valley   BIGINT NULL,
    PRIMARY KEY (meter_id, period)
);

CREATE TABLE daily_readings (
    meter_id BIGINT NOT NULL REFERENCES meters (id),
    read_on  DATE   NOT NULL,
    total    BIGINT NOT NULL,
    peak     BIGINT NULL,
    flat     BIGINT NULL,
    valley   BIGINT NULL,
    PRIMARY KEY (meter_id, read_on)
);

CREATE TABLE bills (
    id                 BIGINT IDENTITY(1,1) PRIMARY KEY,
    account_id         BIGINT       NOT NULL REFERENCES accounts (id),
    period             INT          NOT NULL,
    class              NVARCHAR(32) COLLATE Latin1_General_100_BIN2 NOT NULL,
    tariff_id          BIGINT       NOT NULL REFERENCES tariffs (id),
    issued_on          DATE         NOT NULL,
    due_on             DATE         NOT NULL,
    kwh                BIGINT       NOT NULL,
    principal_fen      BIGINT       NOT NULL,
    principal_paid_fen BIGINT       NOT NULL DEFAULT 0,
    fee_accrued_fen    BIGINT       NOT NULL DEFAULT 0,
    fee_paid_fen       BIGINT       NOT NULL DEFAULT 0,
    accrued_through    DATE         NULL,
    status             NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL,
    CONSTRAINT bills_account_period UNIQUE (account_id, period)
);
CREATE INDEX bills_open ON bills (due_on) WHERE status <> N'paid';

CREATE TABLE bill_items (
    bill_id    BIGINT       NOT NULL REFERENCES bills (id),
    line_no    INT          NOT NULL,
    code       NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL,
    quantity   BIGINT       NOT NULL,
    unit_price BIGINT       NOT NULL,
    amount_fen BIGINT       NOT NULL,
    PRIMARY KEY (bill_id, line_no)
);

CREATE TABLE receipts (
    id            BIGINT IDENTITY(1,1) PRIMARY KEY,
    receipt_no    NVARCHAR(32) COLLATE Latin1_General_100_BIN2 NOT NULL UNIQUE,
    account_id    BIGINT       NOT NULL REFERENCES accounts (id),
    -- Binary collation: a provider's order numbers are case-sensitive identifiers, and a server
    -- default such as Chinese_PRC_CI_AS would make 'ab12' and 'AB12' one payment. (Trailing spaces
    -- compare equal under every collation; the store accepts no spaces in them.)
    channel       NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL,
    order_no      NVARCHAR(64) COLLATE Latin1_General_100_BIN2 NOT NULL,
    amount_fen    BIGINT       NOT NULL,
    fee_fen       BIGINT       NOT NULL,
    principal_fen BIGINT       NOT NULL,
    prepaid_fen   BIGINT       NOT NULL,
    paid_on       DATE         NOT NULL,
    posted_at     DATETIME2(3) NOT NULL,
    CONSTRAINT receipts_channel_order UNIQUE (channel, order_no)
);
CREATE INDEX receipts_account ON receipts (account_id, paid_on);

CREATE TABLE receipt_allocations (
    receipt_id    BIGINT NOT NULL REFERENCES receipts (id),
    bill_id       BIGINT NOT NULL REFERENCES bills (id),
    fee_fen       BIGINT NOT NULL,
    principal_fen BIGINT NOT NULL,
    PRIMARY KEY (receipt_id, bill_id)
);

CREATE TABLE prepaid_ledger (
    id          BIGINT IDENTITY(1,1) PRIMARY KEY,
    account_id  BIGINT       NOT NULL REFERENCES accounts (id),
    entry_on    DATE         NOT NULL,
    delta_fen   BIGINT       NOT NULL,
    balance_fen BIGINT       NOT NULL,
    reason      NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL,
    receipt_id  BIGINT       NULL REFERENCES receipts (id),
    bill_id     BIGINT       NULL REFERENCES bills (id)
);
CREATE INDEX prepaid_ledger_account ON prepaid_ledger (account_id, id);

CREATE TABLE reminders (
    id         BIGINT IDENTITY(1,1) PRIMARY KEY,
    account_id BIGINT         NOT NULL REFERENCES accounts (id),
    stage      NVARCHAR(32) COLLATE Latin1_General_100_BIN2 NOT NULL,
    channel    NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL,
    remind_on  DATE           NOT NULL,
    sent_at    DATETIME2(3)   NOT NULL,
    amount_fen BIGINT         NOT NULL,
    recipient  NVARCHAR(64)   NOT NULL,
    content    NVARCHAR(1000) NOT NULL,
    status     NVARCHAR(16) COLLATE Latin1_General_100_BIN2 NOT NULL,
    CONSTRAINT reminders_once UNIQUE (account_id, stage, remind_on, channel)
);

CREATE TABLE counters (
    name    NVARCHAR(32) COLLATE Latin1_General_100_BIN2 PRIMARY KEY,
    last_no BIGINT       NOT NULL
);
INSERT INTO counters (name, last_no) VALUES (N'receipt', 0);

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
