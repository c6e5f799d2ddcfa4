-- How an order is paid (billing.PayWay): qr, a code scanned from another device; h5 and wap, in the
-- phone's browser (WeChat Pay H5, Alipay WAP); jsapi, inside WeChat. Providers treat each as its
-- own kind of trade, so paying another way is a new order. Orders from before were all qr.
-- payer_openid is the WeChat customer a jsapi order was placed for (WeChat pays it only for them);
-- N'' for the other ways.
-- Keep in step with ../sqlite/00014_order_way.sql.

-- +goose Up
ALTER TABLE payment_orders ADD pay_way NVARCHAR(8) COLLATE Latin1_General_100_BIN2 NOT NULL
    CONSTRAINT payment_orders_pay_way_default DEFAULT N'qr';
ALTER TABLE payment_orders ADD CONSTRAINT payment_orders_pay_way CHECK (pay_way IN (N'qr', N'h5', N'wap', N'jsapi'));
ALTER TABLE payment_orders ADD payer_openid NVARCHAR(64) COLLATE Latin1_General_100_BIN2 NOT NULL
    CONSTRAINT payment_orders_payer_openid_default DEFAULT N'';

-- +goose Down
-- SQL Server keeps the column's default as a named constraint, which must go before the column
-- does (as in 00011).
IF OBJECT_ID(N'payment_orders_payer_openid_default', N'D') IS NOT NULL
    ALTER TABLE payment_orders DROP CONSTRAINT payment_orders_payer_openid_default;
ALTER TABLE payment_orders DROP COLUMN payer_openid;
ALTER TABLE payment_orders DROP CONSTRAINT payment_orders_pay_way;
IF OBJECT_ID(N'payment_orders_pay_way_default', N'D') IS NOT NULL
    ALTER TABLE payment_orders DROP CONSTRAINT payment_orders_pay_way_default;
ALTER TABLE payment_orders DROP COLUMN pay_way;
