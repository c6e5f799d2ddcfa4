-- How an order is paid (billing.PayWay): qr, a code scanned from another device; h5 and wap, in the
-- phone's browser (WeChat Pay H5, Alipay WAP); jsapi, inside WeChat. Providers treat each as its
-- own kind of trade, so paying another way is a new order. Orders from before were all qr.
-- payer_openid is the WeChat customer a jsapi order was placed for (WeChat pays it only for them);
-- '' for the other ways.
-- Keep in step with ../sqlserver/00014_order_way.sql.

-- +goose Up
ALTER TABLE payment_orders ADD COLUMN pay_way TEXT NOT NULL DEFAULT 'qr'
    CHECK (pay_way IN ('qr', 'h5', 'wap', 'jsapi'));
ALTER TABLE payment_orders ADD COLUMN payer_openid TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE payment_orders DROP COLUMN payer_openid;
ALTER TABLE payment_orders DROP COLUMN pay_way;
