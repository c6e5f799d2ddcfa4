package alipay

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"gridpay/internal/billing"
	"gridpay/payments"
)

// maxResponseBytes bounds what is read of a gateway response; the trade APIs answer in well under
// a kilobyte.
const maxResponseBytes = 1 << 20

// codeSuccess is the code of a successful gateway call.
const codeSuccess = "10000"

// responseStatus is what every *_response carries.
type responseStatus struct {
	Code    string `json:"code"`
	Msg     string `json:"msg"`
	SubCode string `json:"sub_code"`
	SubMsg  string `json:"sub_msg"`
}

// precreateResponse is alipay.trade.precreate's answer.
type precreateResponse struct {
	responseStatus
	OutTradeNo string `json:"out_trade_no"`
	QRCode     string `json:"qr_code"`
}

// queryResponse is alipay.trade.query's answer.
type queryResponse struct {
	responseStatus
	TradeNo     string `json:"trade_no"`
	OutTradeNo  string `json:"out_trade_no"`
	TradeStatus string `json:"trade_status"`
	TotalAmount string `json:"total_amount"`
	SendPayDate string `json:"send_pay_date"`
}

// Precreate asks Alipay for the qr_code of a 当面付 order (alipay.trade.precreate). The order's
// expiry goes to Alipay as time_expire so that the code stops working when the order does.
func (p *Provider) Precreate(ctx context.Context, o payments.ProviderOrder) (payments.Precreated, error) {
	if !o.Complete() {
		return payments.Precreated{}, fmt.Errorf("alipay: precreate %s: %w: order number, positive amount and notify URL are required", o.OutTradeNo, billing.ErrInvalid)
	}
	subject := o.Description
	if subject == "" {
		subject = o.OutTradeNo
	}
	biz := map[string]string{
		"out_trade_no": o.OutTradeNo,
		"total_amount": o.Amount.String(),
		"subject":      subject,
	}
	if !o.ExpiresAt.IsZero() {
		biz["time_expire"] = o.ExpiresAt.In(chinaZone).Format(timeLayout)
	}
	var rsp precreateResponse
	if err := p.call(ctx, "alipay.trade.precreate", o.NotifyURL, biz, &rsp); err != nil {
		return payments.Precreated{}, fmt.Errorf("alipay: precreate %s: %w", o.OutTradeNo, err)
	}
	if rsp.QRCode == "" || rsp.OutTradeNo != o.OutTradeNo {
		return payments.Precreated{}, fmt.Errorf("alipay: precreate %s: %w: answer for %q without a qr_code", o.OutTradeNo, billing.ErrInvalid, rsp.OutTradeNo)
	}
	return payments.Precreated{CodeURL: rsp.QRCode, ExpiresAt: o.ExpiresAt}, nil
}

// Query asks Alipay how an order stands (alipay.trade.query). A 当面付 trade exists at Alipay only
// once a customer has scanned its code, so ACQ.TRADE_NOT_EXIST is an order not paid.
func (p *Provider) Query(ctx context.Context, outTradeNo string) (payments.QueryResult, error) {
	var rsp queryResponse
	err := p.call(ctx, "alipay.trade.query", "", map[string]string{"out_trade_no": outTradeNo}, &rsp)
	if isSubCode(err, subTradeNotExist) {
		return payments.QueryResult{State: payments.TradeNotPaid}, nil
	}
	if err != nil {
		return payments.QueryResult{}, fmt.Errorf("alipay: query %s: %w", outTradeNo, err)
	}
	if rsp.OutTradeNo != outTradeNo {
		return payments.QueryResult{}, fmt.Errorf("alipay: query %s: %w: answer is for %q", outTradeNo, billing.ErrInvalid, rsp.OutTradeNo)
	}
	res := payments.QueryResult{State: tradeState(rsp.TradeStatus), ProviderTxnID: rsp.TradeNo}
	if rsp.TotalAmount != "" {
		if res.Amount, err = billing.ParseMoney(rsp.TotalAmount); err != nil {
			return payments.QueryResult{}, fmt.Errorf("alipay: query %s: total_amount: %w", outTradeNo, err)
		}
	}
	if res.State == payments.TradePaid {
		if res.PaidAt, err = time.ParseInLocation(timeLayout, rsp.SendPayDate, chinaZone); err != nil {
			return payments.QueryResult{}, fmt.Errorf("alipay: query %s: %w: send_pay_date %q", outTradeNo, billing.ErrInvalid, rsp.SendPayDate)
		}
	}
	return res, nil
}

// tradeState maps Alipay's trade_status to the providers' common states. TRADE_FINISHED is a
// paid trade past its refund window.
func tradeState(status string) payments.TradeState {
	switch status {
	case "WAIT_BUYER_PAY":
		return payments.TradeNotPaid
	case "TRADE_SUCCESS", "TRADE_FINISHED":
		return payments.TradePaid
	case "TRADE_CLOSED":
		return payments.TradeClosed
	}
	return payments.TradeUnknown
}

// Close tells Alipay to stop taking payment for an order (alipay.trade.close). A trade nobody
// scanned does not exist at Alipay, and the time_expire sent with Precreate ends its code, so
// ACQ.TRADE_NOT_EXIST is success. A trade already paid is an error wrapping billing.ErrConflict.
func (p *Provider) Close(ctx context.Context, outTradeNo string) error {
	var rsp responseStatus
	err := p.call(ctx, "alipay.trade.close", "", map[string]string{"out_trade_no": outTradeNo}, &rsp)
	switch {
	case isSubCode(err, subTradeNotExist):
		return nil
	case isSubCode(err, subTradeStatusError):
		return fmt.Errorf("alipay: close %s: %w: %w", outTradeNo, billing.ErrConflict, err)
	case err != nil:
		return fmt.Errorf("alipay: close %s: %w", outTradeNo, err)
	}
	return nil
}

// call makes one signed gateway request and decodes the verified *_response into out, whose
// type embeds (or is) responseStatus. A code other than 10000 is an *APIError.
func (p *Provider) call(ctx context.Context, method, notifyURL string, biz map[string]string, out interface{ status() responseStatus }) error {
	form, err := p.signedForm(method, biz, url.Values{"notify_url": {notifyURL}})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.gateway, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("gateway answered HTTP %d", resp.StatusCode)
	}
	raw, err := p.verifiedResponse(method, body)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%w: response: %v", billing.ErrInvalid, err)
	}
	if st := out.status(); st.Code != codeSuccess {
		return &APIError{Method: method, Code: st.Code, Msg: st.Msg, SubCode: st.SubCode, SubMsg: st.SubMsg}
	}
	return nil
}

func (s responseStatus) status() responseStatus { return s }

// signedForm is a request's parameters: the common ones, biz_content, extra's non-empty values
// (notify_url, return_url), and the RSA2 signature over all of them.
func (p *Provider) signedForm(method string, biz map[string]string, extra url.Values) (url.Values, error) {
	bizJSON, err := json.Marshal(biz)
	if err != nil {
		return nil, err
	}
	form := url.Values{
		"app_id":      {p.appID},
		"method":      {method},
		"format":      {"JSON"},
		"charset":     {"utf-8"},
		"sign_type":   {"RSA2"},
		"timestamp":   {p.now().In(chinaZone).Format(timeLayout)},
		"version":     {"1.0"},
		"biz_content": {string(bizJSON)},
	}
	for k, vs := range extra {
		if len(vs) > 0 && vs[0] != "" {
			form.Set(k, vs[0])
		}
	}
	sign, err := signRSA2(p.key, []byte(signContent(form, "sign")))
	if err != nil {
		return nil, fmt.Errorf("sign request: %w", err)
	}
	form.Set("sign", sign)
	return form, nil
}

// verifiedResponse returns the raw JSON of the method's *_response, whose exact bytes Alipay
// signs. An answer without a signature is trusted only as far as its being an error: a success
// needs a good signature.
func (p *Provider) verifiedResponse(method string, body []byte) (json.RawMessage, error) {
	var envelope map[string]json.RawMessage
	if err := json.Unmarshal(body, &envelope); err != nil {
		return nil, fmt.Errorf("%w: response is not JSON: %v", billing.ErrInvalid, err)
	}
	name := strings.ReplaceAll(method, ".", "_") + "_response"
	raw, ok := envelope[name]
	if !ok {
		raw, ok = envelope["error_response"]
		name = "error_response"
	}
	if !ok {
		return nil, fmt.Errorf("%w: response without %s", billing.ErrInvalid, name)
	}
	var sign string
	if s, ok := envelope["sign"]; ok {
		if err := json.Unmarshal(s, &sign); err != nil {
			return nil, fmt.Errorf("%w: response sign: %v", billing.ErrInvalid, err)
		}
	}
	if sign == "" {
		var st responseStatus
		if err := json.Unmarshal(raw, &st); err == nil && st.Code != "" && st.Code != codeSuccess {
			return nil, &APIError{Method: method, Code: st.Code, Msg: st.Msg, SubCode: st.SubCode, SubMsg: st.SubMsg}
		}
		return nil, fmt.Errorf("%w: response is not signed", billing.ErrUnauthorized)
	}
	if err := verifyRSA2(p.alipayKey, raw, sign); err != nil {
		return nil, fmt.Errorf("response: %w", err)
	}
	return raw, nil
}
