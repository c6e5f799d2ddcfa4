package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"gridpay/internal/billing"
	"gridpay/payments"
)

// maxOpenID bounds an OpenID: WeChat's are 28 characters; anything much longer is not one.
const maxOpenID = 64

// PrecreateJSAPI places a JSAPI order (POST /v3/pay/transactions/jsapi) for the customer whose
// OpenID under the official account is openID, and returns the request the page hands to
// WeixinJSBridge: appId, timeStamp, nonceStr, package "prepay_id=...", signType RSA and paySign,
// the merchant key's RSA-SHA256 signature over "appId\ntimeStamp\nnonceStr\npackage\n".
func (p *Provider) PrecreateJSAPI(ctx context.Context, o payments.ProviderOrder, openID string) (payments.JSAPIRequest, error) {
	if !o.Complete() {
		return payments.JSAPIRequest{}, fmt.Errorf("wechat: precreate jsapi %q: out_trade_no, a positive amount and notify_url are required: %w",
			o.OutTradeNo, billing.ErrInvalid)
	}
	if openID == "" || len(openID) > maxOpenID {
		return payments.JSAPIRequest{}, fmt.Errorf("wechat: precreate jsapi %s: the payer's OpenID is missing or too long: %w", o.OutTradeNo, billing.ErrInvalid)
	}
	req := jsapi.PrepayRequest{
		Appid:       core.String(p.appID),
		Mchid:       core.String(p.mchID),
		Description: core.String(o.Description),
		OutTradeNo:  core.String(o.OutTradeNo),
		NotifyUrl:   core.String(o.NotifyURL),
		Amount:      &jsapi.Amount{Total: core.Int64(int64(o.Amount)), Currency: core.String("CNY")},
		Payer:       &jsapi.Payer{Openid: core.String(openID)},
	}
	if !o.ExpiresAt.IsZero() {
		req.TimeExpire = core.Time(o.ExpiresAt.Truncate(time.Second))
	}
	_, body, err := p.call(ctx, http.MethodPost, "/v3/pay/transactions/jsapi", req)
	var f *apiFailure
	if errors.As(err, &f) && f.status == http.StatusBadRequest && strings.Contains(strings.ToLower(f.message), "openid") {
		// WeChat refuses the payer ("openid和appid不匹配", an OpenID of another app or no longer
		// valid): the customer is to be asked again, not the merchant's setup mended.
		return payments.JSAPIRequest{}, fmt.Errorf("wechat: precreate jsapi %s: %w: %w", o.OutTradeNo, payments.ErrOpenIDRefused, err)
	}
	if err != nil {
		return payments.JSAPIRequest{}, fmt.Errorf("wechat: precreate jsapi %s: %w", o.OutTradeNo, err)
	}
	var resp jsapi.PrepayResponse
	if err := json.Unmarshal(body, &resp); err != nil || resp.PrepayId == nil || *resp.PrepayId == "" {
		return payments.JSAPIRequest{}, fmt.Errorf("wechat: precreate jsapi %s: no prepay_id in %q: %w", o.OutTradeNo, body, ErrMalformed)
	}
	nonce, err := utils.GenerateNonce()
	if err != nil {
		return payments.JSAPIRequest{}, err
	}
	r := payments.JSAPIRequest{AppID: p.appID, TimeStamp: strconv.FormatInt(p.now().Unix(), 10), NonceStr: nonce,
		Package: "prepay_id=" + *resp.PrepayId, SignType: "RSA"}
	sig, err := p.signer.Sign(ctx, r.AppID+"\n"+r.TimeStamp+"\n"+r.NonceStr+"\n"+r.Package+"\n")
	if err != nil {
		return payments.JSAPIRequest{}, fmt.Errorf("wechat: precreate jsapi %s: sign: %w", o.OutTradeNo, err)
	}
	r.PaySign = sig.Signature
	return r, nil
}
