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

// billsPerPage is how many bills one page of the list shows.
const billsPerPage = 12

// billRow is a bill as the bill pages show it.
type billRow struct {
	store.Bill
	PeriodText string
	DueOn      Date
	Status     string
	Paid       bool
	Owed       billing.Money // principal and late fee still open today
	LateFee    billing.Money // late fee owed today
	// The amounts and the due date in words, made before the list page loops over its rows.
	PrincipalText, OwedText, LateFeeText, DueText string
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
	ItemsTotal  billing.Money // the line items' total, before any principal adjustment
	Adjustments []billAdjustment
	Readings    []readingRow
	Tariff      string
	Explanation string
}

// billAdjustment is a posted adjustment as the bill page and the API show it.
type billAdjustment struct {
	store.AdjustmentRecord
	Label string // 账单调整 | 违约金减免
	Text  string // 账单调整 -¥12.34（抄表错误）
}

// adjustmentsOf words a bill's adjustments, oldest first.
func adjustmentsOf(l i18n.Lang, list []store.AdjustmentRecord) []billAdjustment {
	out := make([]billAdjustment, len(list))
	for i, a := range list {
		label := i18n.T(l, "bills.adjusted."+string(a.Kind))
		out[i] = billAdjustment{AdjustmentRecord: a, Label: label,
			Text: i18n.T(l, "bills.adjusted_line", label, i18n.Money(-int64(a.Amount)), a.Reason)}
	}
	return out
}

// billItem is a line item as the bill page shows it. Its words are made before the page loops over
// the items, and its fields are its own, not promoted from an embedded struct: the template finds
// those by name through reflection on every row.
type billItem struct {
	Label      string
	Quantity   int64
	UnitPrice  billing.Price
	AmountText string // ¥12.34
}

// readingRow is a meter's reading as the bill page shows it, flat for the same reason.
type readingRow struct {
	AssetNo                   string
	Multiplier, KWh           int64
	PreviousText, CurrentText string // 1234.56
}

func (h *Handler) billRow(l i18n.Lang, b store.Bill) billRow {
	fee, _ := b.Balance.LateFee(h.svc.today(), h.svc.rates)
	owed := b.Balance.OpenPrincipal() + fee
	return billRow{Bill: b, PeriodText: periodText(l, billing.Period(b.Period)), DueOn: Date(b.DueOn),
		Status: i18n.T(l, "bills.status."+string(b.Status())), Paid: b.Status() == billing.Paid,
		Owed: owed, LateFee: fee, PrincipalText: i18n.Money(int64(b.Balance.Principal)), OwedText: i18n.Money(int64(owed)),
		LateFeeText: i18n.Money(int64(fee)), DueText: i18n.Date(l, b.DueOn)}
}

// showBills lists an account's bills, 12 a page, newest first.
func (h *Handler) showBills(c *gin.Context) error {
	l, err := readAccountList(c, web.ParsePage, billsPerPage, h.svc.Bills)
	if err != nil {
		return err
	}
	pg := l.Paging.Page
	p := billsPage{page: h.newPage(c), AccountNo: l.No, Page: pg, Pages: l.Paging.Pages(l.Total)}
	for _, b := range l.Rows {
		p.Bills = append(p.Bills, h.billRow(p.Lang, b))
	}
	if pg > 1 {
		p.PrevPage = pg - 1
	}
	if pg < p.Pages {
		p.Next = pg + 1
	}
	return h.pages.Render(c, http.StatusOK, "bills", p)
}

// showBill shows one bill: readings, line items, the tariff in plain words, its adjustments and
// what is owed.
func (h *Handler) showBill(c *gin.Context) error {
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
	return h.renderBill(c, h.billPageOf(h.newPage(c), no, d))
}

// billPageOf builds the bill page of account no's bill d on p.
func (h *Handler) billPageOf(p page, no string, d store.BillDetail) billPage {
	bp := billPage{page: p, AccountNo: no, Tariff: d.Tariff.Name, Readings: make([]readingRow, len(d.Readings)),
		Items: make([]billItem, len(d.Items))}
	bp.Bill = h.billRow(p.Lang, d.Bill)
	bp.Explanation = explainBill(p.Lang, d)
	for i, r := range d.Readings {
		bp.Readings[i] = readingRow{AssetNo: r.AssetNo, Multiplier: r.Multiplier, KWh: r.KWh,
			PreviousText: readingText(r.Previous), CurrentText: readingText(r.Current)}
	}
	for i, it := range d.Items {
		bp.Items[i] = billItem{Label: itemLabel(p.Lang, it.Code), Quantity: it.Quantity, UnitPrice: it.UnitPrice,
			AmountText: i18n.Money(int64(it.Amount))}
		bp.ItemsTotal += it.Amount
	}
	bp.Adjustments = adjustmentsOf(p.Lang, d.Adjustments)
	return bp
}

// renderBill renders the bill page.
func (h *Handler) renderBill(c *gin.Context, p billPage) error {
	return h.pages.Render(c, http.StatusOK, "bill", p)
}
