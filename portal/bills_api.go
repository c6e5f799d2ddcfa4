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

// billJSON is a bill in the API.
type billJSON struct {
	ID             int64          `json:"id"`
	Period         string         `json:"period"` // "2026-10"
	IssuedOn       Date           `json:"issued_on"`
	DueOn          Date           `json:"due_on"`
	KWh            int64          `json:"kwh"`
	Total          billing.Money  `json:"total_fen"`
	PrincipalPaid  billing.Money  `json:"principal_paid_fen"`
	LateFeeSettled billing.Money  `json:"late_fee_settled_fen"`
	LateFeePaid    billing.Money  `json:"late_fee_paid_fen"`
	LateFeeWaived  billing.Money  `json:"late_fee_waived_fen"`
	Status         billing.Status `json:"status"`
	StatusLabel    string         `json:"status_label"`
}

func toBillJSON(l i18n.Lang, b store.Bill) billJSON {
	return billJSON{ID: b.ID, Period: billing.Period(b.Period).String(), IssuedOn: Date(b.IssuedOn),
		DueOn: Date(b.DueOn), KWh: b.KWh, Total: b.Balance.Principal, PrincipalPaid: b.Balance.PrincipalPaid,
		LateFeeSettled: b.Balance.FeeAccrued, LateFeePaid: b.Balance.FeePaid, LateFeeWaived: b.Balance.FeeWaived, Status: b.Status(),
		StatusLabel: i18n.T(l, "bills.status."+string(b.Status()))}
}

// apiBills answers GET /api/v1/accounts/{no}/bills?page=1&per_page=24, newest first.
func (h *Handler) apiBills(c *gin.Context) error {
	return answerAccountList(c, "bills", 24, h.svc.Bills, toBillJSON)
}

// apiBill answers GET /api/v1/accounts/{no}/bills/{id}: one bill with its readings, line items,
// the tiered tariff explained in words, its adjustments (oldest first) and what it owes today.
func (h *Handler) apiBill(c *gin.Context) error {
	s, _ := auth.FromContext(c)
	no, err := web.AccountNo(c)
	if err != nil {
		return err
	}
	id, err := web.PathID(c, "id")
	if err != nil {
		return err
	}
	d, err := h.svc.Bill(c.Request.Context(), s.Phone, no, id)
	if err != nil {
		return err
	}
	l := web.Lang(c)
	type item struct {
		Code      string        `json:"code"`
		Label     string        `json:"label"`
		Quantity  int64         `json:"quantity"`
		UnitPrice string        `json:"unit_price"` // yuan, four decimals
		Amount    billing.Money `json:"amount_fen"`
	}
	type reading struct {
		Meter      string `json:"meter"`
		Previous   string `json:"previous"`
		Current    string `json:"current"`
		Multiplier int64  `json:"multiplier"`
		KWh        int64  `json:"kwh"`
	}
	items := make([]item, len(d.Items))
	for i, it := range d.Items {
		items[i] = item{Code: it.Code, Label: itemLabel(l, it.Code), Quantity: it.Quantity, UnitPrice: it.UnitPrice.String(), Amount: it.Amount}
	}
	readings := make([]reading, len(d.Readings))
	for i, r := range d.Readings {
		readings[i] = reading{Meter: r.AssetNo, Previous: readingText(r.Previous), Current: readingText(r.Current), Multiplier: r.Multiplier, KWh: r.KWh}
	}
	type adjustment struct {
		No        string               `json:"no"`
		Kind      store.AdjustmentKind `json:"kind"`
		Label     string               `json:"label"`
		Text      string               `json:"text"`
		Amount    billing.Money        `json:"amount_fen"`
		ToPrepaid billing.Money        `json:"to_prepaid_fen"`
		Reason    string               `json:"reason"`
		On        Date                 `json:"on"`
	}
	adjustments := []adjustment{}
	for _, a := range adjustmentsOf(l, d.Adjustments) {
		adjustments = append(adjustments, adjustment{No: a.No, Kind: a.Kind, Label: a.Label, Text: a.Text,
			Amount: a.Amount, ToPrepaid: a.ToPrepaid, Reason: a.Reason, On: Date(a.On)})
	}
	row := h.billRow(l, d.Bill)
	c.JSON(http.StatusOK, gin.H{"bill": toBillJSON(l, d.Bill), "items": items, "readings": readings,
		"tariff": d.Tariff.Name, "explanation": explainBill(l, d), "adjustments": adjustments,
		"owed_fen": row.Owed, "late_fee_fen": row.LateFee})
	return nil
}
