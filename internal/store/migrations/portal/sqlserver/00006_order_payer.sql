-- Who pays an order (its payer), and the one open order per account, payer and channel, so that
-- payers of one account neither share nor close each other's orders.
-- payer is "phone:" and a signed-in customer's phone, or "token:" and the SHA-256 (hex) of a
-- browser's payer token (代缴), never the token itself. Orders from before keep their payer phone;
-- those paid signed out get N'' and belong to no one who asks now.
-- Keep in step with ../sqlite/00006_order_payer.sql.

-- +goose Up
ALTER TABLE payment_orders ADD payer NVARCHAR(80) COLLATE Latin1_General_100_BIN2 NOT NULL
    CONSTRAINT payment_orders_payer_default DEFAULT N'';
UPDATE payment_orders SET payer = N'phone:' + payer_phone WHERE payer_phone IS NOT NULL;
DROP INDEX payment_orders_one_open ON payment_orders;
CREATE UNIQUE INDEX payment_orders_one_open ON payment_orders (account_no, payer, channel)
    WHERE status IN (N'CREATED', N'PENDING');

-- +goose Down
DROP INDEX payment_orders_one_open ON payment_orders;
CREATE UNIQUE INDEX payment_orders_one_open ON payment_orders (account_no, channel)
    WHERE status IN (N'CREATED', N'PENDING');
ALTER TABLE payment_orders DROP CONSTRAINT payment_orders_payer_default;
ALTER TABLE payment_orders DROP COLUMN payer;
