package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// weChatRefund is a refund as the simulator keeps it. Refunds succeed at once, but are answered
// PROCESSING when asked for, as WeChat usually does; a query then finds them SUCCESS.
type weChatRefund struct {
	RefundID    string
	OutRefundNo string
	OutTradeNo  string
	Amount      int64
	Reason      string
	CreateTime  time.Time
	SuccessTime time.Time
}

// weChatRefundRequest is the body of POST /v3/refund/domestic/refunds.
type weChatRefundRequest struct {
	TransactionID string `json:"transaction_id"`
	OutTradeNo    string `json:"out_trade_no"`
	OutRefundNo   string `json:"out_refund_no"`
	Reason        string `json:"reason"`
	NotifyURL     string `json:"notify_url"`
	Amount        struct {
		Refund   int64  `json:"refund"`
		Total    int64  `json:"total"`
		Currency string `json:"currency"`
	} `json:"amount"`
}

// weChatRefundAnswer is WeChat's account of a refund.
type weChatRefundAnswer struct {
	RefundID            string `json:"refund_id"`
	OutRefundNo         string `json:"out_refund_no"`
	TransactionID       string `json:"transaction_id"`
	OutTradeNo          string `json:"out_trade_no"`
	Channel             string `json:"channel"`
	UserReceivedAccount string `json:"user_received_account"`
	SuccessTime         string `json:"success_time,omitempty"`
	CreateTime          string `json:"create_time"`
	Status              string `json:"status"`
	FundsAccount        string `json:"funds_account"`
	Amount              struct {
		Total            int64  `json:"total"`
		Refund           int64  `json:"refund"`
		PayerTotal       int64  `json:"payer_total"`
		PayerRefund      int64  `json:"payer_refund"`
		SettlementRefund int64  `json:"settlement_refund"`
		SettlementTotal  int64  `json:"settlement_total"`
		DiscountRefund   int64  `json:"discount_refund"`
		Currency         string `json:"currency"`
	} `json:"amount"`
}

func (s *WeChat) createRefund(w http.ResponseWriter, r *http.Request) {
	var req weChatRefundRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.fail(w, http.StatusBadRequest, "PARAM_ERROR", "body is not JSON: "+err.Error())
		return
	}
	if req.OutRefundNo == "" || len(req.OutRefundNo) > 64 || req.Amount.Refund <= 0 ||
		(req.Amount.Currency != "" && req.Amount.Currency != "CNY") {
		s.fail(w, http.StatusBadRequest, "PARAM_ERROR", "out_refund_no, a positive amount.refund and CNY are required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[req.OutTradeNo]
	if o == nil && req.TransactionID != "" {
		for _, x := range s.orders {
			if x.TxnID == req.TransactionID {
				o = x
			}
		}
	}
	switch {
	case o == nil:
		s.fail(w, http.StatusNotFound, "RESOURCE_NOT_EXISTS", "订单不存在")
		return
	case o.State != "SUCCESS" && o.State != "REFUND":
		s.fail(w, http.StatusBadRequest, "INVALID_REQUEST", "订单未支付")
		return
	case req.Amount.Total != o.Total:
		s.fail(w, http.StatusBadRequest, "PARAM_ERROR", "订单金额或退款金额与之前请求不一致")
		return
	}
	if f, ok := s.refunds[req.OutRefundNo]; ok {
		if f.OutTradeNo != o.OutTradeNo || f.Amount != req.Amount.Refund {
			s.fail(w, http.StatusBadRequest, "INVALID_REQUEST", "商户退款单号重复")
			return
		}
		s.reply(w, http.StatusOK, s.refundAnswer(f, o, false))
		return
	}
	if o.Refunded+req.Amount.Refund > o.Total {
		s.fail(w, http.StatusBadRequest, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
		return
	}
	s.txnSeq++
	now := s.now()
	f := &weChatRefund{
		RefundID:    fmt.Sprintf("5030%s%010d", now.In(weChatZone).Format("20060102"), s.txnSeq),
		OutRefundNo: req.OutRefundNo, OutTradeNo: o.OutTradeNo, Amount: req.Amount.Refund, Reason: req.Reason,
		CreateTime: now, SuccessTime: now,
	}
	s.refunds[f.OutRefundNo] = f
	o.Refunded += f.Amount
	o.State = "REFUND"
	s.reply(w, http.StatusOK, s.refundAnswer(f, o, false))
}

func (s *WeChat) queryRefund(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.refunds[r.PathValue("no")]
	if !ok {
		s.fail(w, http.StatusNotFound, "RESOURCE_NOT_EXISTS", "退款单不存在")
		return
	}
	s.reply(w, http.StatusOK, s.refundAnswer(f, s.orders[f.OutTradeNo], true))
}

// refundAnswer reports f; done says whether it has finished yet. Callers hold s.mu.
func (s *WeChat) refundAnswer(f *weChatRefund, o *weChatOrder, done bool) weChatRefundAnswer {
	a := weChatRefundAnswer{
		RefundID: f.RefundID, OutRefundNo: f.OutRefundNo, TransactionID: o.TxnID, OutTradeNo: o.OutTradeNo,
		Channel: "ORIGINAL", UserReceivedAccount: "支付用户零钱", FundsAccount: "AVAILABLE",
		CreateTime: f.CreateTime.In(weChatZone).Format(time.RFC3339), Status: "PROCESSING",
	}
	if done {
		a.Status, a.SuccessTime = "SUCCESS", f.SuccessTime.In(weChatZone).Format(time.RFC3339)
	}
	a.Amount.Total, a.Amount.PayerTotal, a.Amount.SettlementTotal = o.Total, o.Total, o.Total
	a.Amount.Refund, a.Amount.PayerRefund, a.Amount.SettlementRefund = f.Amount, f.Amount, f.Amount
	a.Amount.Currency = "CNY"
	return a
}
