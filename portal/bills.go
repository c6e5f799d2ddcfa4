package portal

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/store"
)

// billRow is a bill as the bill pages show it.
type billRow struct {
	store.Bill
	PeriodText string
	DueOn      Date
	Status     string
	Paid       bool
	Owed       billing.Money // principal and late fee still open today
	LateFee    billing.Money // late fee owed today
}

type billsPage struct {
	page
	AccountNo      string
	Bills          []billRow
	Page, Pages    int
	PrevPage, Next int
}

type billPage struct {
	page
	AccountNo   string
	Bill        billRow
	Items       []billItem
	Readings    []store.MeterReading
	Tariff      string
	Explanation string
}

type billItem struct {
	billing.LineItem
	Label string
}

func (h *Handler) billRow(l i18n.Lang, b store.Bill) billRow {
	fee, _ := b.Balance.LateFee(h.svc.today(), h.svc.rates)
	return billRow{Bill: b, PeriodText: periodText(l, b.Period), DueOn: Date(b.DueOn),
		Status: i18n.T(l, "bills.status."+string(b.Status())), Paid: b.Status() == billing.Paid,
		Owed: b.Balance.OpenPrincipal() + fee, LateFee: fee}
}

// periodText shows a billing period: 2026年10月 or Oct 2026.
func periodText(l i18n.Lang, p int) string {
	if l == i18n.EN {
		return fmt.Sprintf("%s %d", [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}[p%100-1], p/100)
	}
	return fmt.Sprintf("%d年%d月", p/100, p%100)
}

// showBills lists an account's bills, 12 a page, newest first.
func (h *Handler) showBills(c *gin.Context) {
	s, _ := session(c)
	no, err := accountNo(c)
	if err != nil {
		h.pageError(c, err)
		return
	}
	pg, err := intQuery(c, "page", 1, 1, 1000)
	if err != nil {
		h.pageError(c, err)
		return
	}
	const per = 12
	bills, total, err := h.svc.Bills(c.Request.Context(), s.Phone, no, store.Page{Limit: per, Offset: (pg - 1) * per})
	if err != nil {
		h.pageError(c, err)
		return
	}
	p := billsPage{page: h.newPage(c), AccountNo: no, Page: pg, Pages: max(1, (total+per-1)/per)}
	for _, b := range bills {
		p.Bills = append(p.Bills, h.billRow(p.Lang, b))
	}
	if pg > 1 {
		p.PrevPage = pg - 1
	}
	if pg < p.Pages {
		p.Next = pg + 1
	}
	h.render(c, http.StatusOK, "bills", p)
}

// showBill shows one bill: readings, line items, the tariff in plain words and what is owed.
func (h *Handler) showBill(c *gin.Context) {
	s, _ := session(c)
	no, err := accountNo(c)
	if err != nil {
		h.pageError(c, err)
		return
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		h.pageError(c, fmt.Errorf("portal: bill id: %w", billing.ErrInvalid))
		return
	}
	d, err := h.svc.Bill(c.Request.Context(), s.Phone, no, id)
	if err != nil {
		h.pageError(c, err)
		return
	}
	p := billPage{page: h.newPage(c), AccountNo: no, Readings: d.Readings, Tariff: d.Tariff.Name}
	p.Bill = h.billRow(p.Lang, d.Bill)
	p.Explanation = explainBill(p.Lang, d)
	for _, it := range d.Items {
		p.Items = append(p.Items, billItem{LineItem: it, Label: itemLabel(p.Lang, it.Code)})
	}
	h.render(c, http.StatusOK, "bill", p)
}

// Reading shows a register reading with its two decimals.
func (p billPage) Reading(r billing.Reading) string { return readingText(r) }
