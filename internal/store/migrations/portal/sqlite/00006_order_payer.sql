-- Who pays an order (its payer), and the one open order per account, payer and channel, so that
-- payers of one account neither share nor close each other's orders.
-- payer is "phone:" and a signed-in customer's phone, or "token:" and the SHA-256 (hex) of a
-- browser's payer token (代缴), never the token itself. Orders from before keep their payer phone;
-- those paid signed out get '' and belong to no one who asks now.
-- Keep in step with ../sqlserver/00006_order_payer.sql.

-- +goose Up
ALTER TABLE payment_orders ADD COLUMN payer TEXT NOT NULL DEFAULT '';
UPDATE payment_orders SET payer = 'phone:' || payer_phone WHERE payer_phone IS NOT NULL;
DROP INDEX payment_orders_one_open;
CREATE UNIQUE INDEX payment_orders_one_open ON payment_orders (account_no, payer, channel)
    WHERE status IN ('CREATED', 'PENDING');

-- +goose Down
DROP INDEX payment_orders_one_open;
CREATE UNIQUE INDEX payment_orders_one_open ON payment_orders (account_no, channel)
    WHERE status IN ('CREATED', 'PENDING');
ALTER TABLE payment_orders DROP COLUMN payer;
