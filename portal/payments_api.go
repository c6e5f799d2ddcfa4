package portal

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/store"
	"gridpay/internal/web"
	"gridpay/portal/auth"
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
	s, _ := auth.FromContext(c)
	no, err := web.AccountNo(c)
	if err != nil {
		return err
	}
	pg, err := web.ParsePaging(c, 20)
	if err != nil {
		return err
	}
	receipts, total, err := h.svc.Payments(c.Request.Context(), s.Phone, no, store.Page{Limit: pg.Size, Offset: pg.Offset()})
	if err != nil {
		return err
	}
	l := web.Lang(c)
	out := make([]paymentJSON, len(receipts))
	for i, r := range receipts {
		out[i] = toPaymentJSON(l, r)
	}
	c.JSON(http.StatusOK, gin.H{"payments": out, "total": total, "page": pg.Page, "per_page": pg.Size})
	return nil
}
