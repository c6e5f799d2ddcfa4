package portal

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/store"
)

// accountNo reads the :no path parameter: ten digits, or invalid input.
func accountNo(c *gin.Context) (string, error) {
	no := c.Param("no")
	if len(no) != 10 || strings.Trim(no, "0123456789") != "" {
		return "", fmt.Errorf("portal: account number %q: %w", truncate(no, 20), billing.ErrInvalid)
	}
	return no, nil
}

// intQuery reads an optional integer query parameter within [lo, hi].
func intQuery(c *gin.Context, name string, def, lo, hi int) (int, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("portal: query %s=%q: want %d to %d: %w", name, truncate(v, 20), lo, hi, billing.ErrInvalid)
	}
	return n, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// pagedRequest reads an account list request: the :no path parameter and ?page= (1-1000) and
// ?per_page= (1-100, default per) query parameters.
func pagedRequest(c *gin.Context, per int) (no string, page, perPage int, p store.Page, err error) {
	if no, err = accountNo(c); err != nil {
		return
	}
	if page, err = intQuery(c, "page", 1, 1, 1000); err != nil {
		return
	}
	if perPage, err = intQuery(c, "per_page", per, 1, 100); err != nil {
		return
	}
	return no, page, perPage, store.Page{Limit: perPage, Offset: (page - 1) * perPage}, nil
}

// apiAccounts answers GET /api/v1/accounts: the customer's accounts.
func (h *Handler) apiAccounts(c *gin.Context) {
	s, _ := session(c)
	views, err := h.svc.Accounts(c.Request.Context(), s.Phone)
	if err != nil {
		h.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"accounts": views})
}

// apiSummary answers GET /api/v1/accounts/{no}/summary.
func (h *Handler) apiSummary(c *gin.Context) {
	s, _ := session(c)
	no, err := accountNo(c)
	if err != nil {
		h.apiError(c, err)
		return
	}
	sum, err := h.svc.Summary(c.Request.Context(), s.Phone, no)
	if err != nil {
		h.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, sum)
}

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
	Status         billing.Status `json:"status"`
	StatusLabel    string         `json:"status_label"`
}

func toBillJSON(l i18n.Lang, b store.Bill) billJSON {
	return billJSON{ID: b.ID, Period: fmt.Sprintf("%04d-%02d", b.Period/100, b.Period%100), IssuedOn: Date(b.IssuedOn),
		DueOn: Date(b.DueOn), KWh: b.KWh, Total: b.Balance.Principal, PrincipalPaid: b.Balance.PrincipalPaid,
		LateFeeSettled: b.Balance.FeeAccrued, LateFeePaid: b.Balance.FeePaid, Status: b.Status(),
		StatusLabel: i18n.T(l, "bills.status."+string(b.Status()))}
}

// apiBills answers GET /api/v1/accounts/{no}/bills?page=1&per_page=24, newest first.
func (h *Handler) apiBills(c *gin.Context) {
	s, _ := session(c)
	no, page, per, pg, err := pagedRequest(c, 24)
	if err != nil {
		h.apiError(c, err)
		return
	}
	bills, total, err := h.svc.Bills(c.Request.Context(), s.Phone, no, pg)
	if err != nil {
		h.apiError(c, err)
		return
	}
	l := lang(c)
	out := make([]billJSON, len(bills))
	for i, b := range bills {
		out[i] = toBillJSON(l, b)
	}
	c.JSON(http.StatusOK, gin.H{"bills": out, "total": total, "page": page, "per_page": per})
}

// apiBill answers GET /api/v1/accounts/{no}/bills/{id}: one bill with its readings, line items and
// the tiered tariff explained in words.
func (h *Handler) apiBill(c *gin.Context) {
	s, _ := session(c)
	no, err := accountNo(c)
	if err != nil {
		h.apiError(c, err)
		return
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		h.apiError(c, fmt.Errorf("portal: bill id: %w", billing.ErrInvalid))
		return
	}
	d, err := h.svc.Bill(c.Request.Context(), s.Phone, no, id)
	if err != nil {
		h.apiError(c, err)
		return
	}
	l := lang(c)
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
	c.JSON(http.StatusOK, gin.H{"bill": toBillJSON(l, d.Bill), "items": items, "readings": readings,
		"tariff": d.Tariff.Name, "explanation": explainBill(l, d)})
}

// readingText shows a register reading with its two decimals.
func readingText(r billing.Reading) string {
	return fmt.Sprintf("%d.%02d", int64(r)/100, int64(r)%100)
}
