package portal

import (
	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/store"
)

// paymentJSON is a posted payment (收费流水) in the API.
type paymentJSON struct {
	ReceiptNo    string        `json:"receipt_no"`
	Channel      string        `json:"channel"`
	ChannelLabel string        `json:"channel_label"`
	Amount       billing.Money `json:"amount_fen"`
	LateFee      billing.Money `json:"late_fee_fen"`
	Principal    billing.Money `json:"principal_fen"`
	Prepaid      billing.Money `json:"prepaid_fen"`
	PaidOn       Date          `json:"paid_on"`
}

func toPaymentJSON(l i18n.Lang, r store.Receipt) paymentJSON {
	return paymentJSON{ReceiptNo: r.No, Channel: r.Channel, ChannelLabel: channelLabel(l, r.Channel), Amount: r.Amount,
		LateFee: r.Fee, Principal: r.Principal, Prepaid: r.Prepaid, PaidOn: Date(r.PaidOn)}
}

// apiPayments answers GET /api/v1/accounts/{no}/payments?page=1&per_page=20: the account's posted
// payments, newest first.
func (h *Handler) apiPayments(c *gin.Context) error {
	return answerAccountList(c, "payments", 20, h.svc.Payments, toPaymentJSON)
}
