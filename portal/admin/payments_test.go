package admin_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/xuri/excelize/v2"

	"gridpay/internal/billing"
	"gridpay/internal/demo"
	"gridpay/internal/staff"
	"gridpay/internal/store"
	"gridpay/worker"
)

func init() {
	readers := []staff.Role{staff.Finance, staff.Supervisor, staff.Auditor, staff.Admin}
	withAgents := []staff.Role{staff.Agent, staff.Finance, staff.Supervisor, staff.Auditor, staff.Admin}
	finance := []staff.Role{staff.Finance}
	for k, v := range map[string][]staff.Role{
		"GET /admin/payments":                          withAgents,
		"GET /admin/payments/flagged":                  readers,
		"GET /admin/payments/:out":                     withAgents,
		"POST /admin/payments/:out/resolve":            finance,
		"POST /admin/payments/:out/repost":             finance,
		"POST /admin/payments/:out/resend-receipt":     finance,
		"POST /admin/payments/conflicts/:id/resolve":   finance,
		"GET /admin/reconciliation":                    readers,
		"GET /admin/reconciliation/:day":               readers,
		"POST /admin/reconciliation/items/:id/resolve": finance,
		"GET /admin/reconciliation/:day/export.csv":    readers,
		"GET /admin/reconciliation/:day/export.xlsx":   readers,
		"GET /admin/audit/export.csv":                  {staff.Auditor, staff.Admin},
		"GET /admin/audit/export.xlsx":                 {staff.Auditor, staff.Admin},
	} {
		// access_test.go's init, which merges paymentMatrix, runs before this file's: add to both.
		paymentMatrix[k], matrix[k] = v, v
	}
}

// Order numbers of the finance tests.
const (
	paidOut     = "GPW2026112609000000000000000001"
	postedOut   = "GPW2026112609000000000000000002"
	mismatchOut = "GPW2026112609000000000000000003"
	reconDay    = "2026-11-25"
)

// financeData makes what the finance pages show: an order paid by a callback (kept raw), one
// posted, one flagged for a wrong amount, a bank collection for an account that does not exist,
// and a day's reconciliation of WeChat Pay with one exception.
func (s *site) financeData(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	now := s.clock.now()
	create := func(out string) store.Order {
		o, created, err := s.portal.CreateOrder(ctx, store.NewOrder{OutTradeNo: out, AccountNo: demo.DemoResidentialNo,
			PayerPhone: demo.DemoResidentialPhone, Payer: "phone:" + demo.DemoResidentialPhone, Channel: "wechat", Amount: 100_00,
			ExpiresAt: now.Add(time.Hour)})
		if err != nil || !created {
			t.Fatalf("CreateOrder(%s) = %v, %v", out, created, err)
		}
		return o
	}
	create(paidOut)
	if _, err := s.portal.MarkPaidFromCallback(ctx, store.Callback{Provider: "wechat", ProviderTxnID: "4200000001", OutTradeNo: paidOut,
		Amount: 100_00, PaidAt: now, Header: http.Header{"Content-Type": {"text/xml"}},
		Body: []byte("<xml><transaction_id>4200000001</transaction_id><total_fee>10000</total_fee></xml>")}); err != nil {
		t.Fatal(err)
	}
	posted := create(postedOut)
	if _, err := s.portal.MarkPaid(ctx, postedOut, "4200000002", 100_00, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.portal.MoveOrder(ctx, posted.ID, billing.OrderPaid, billing.OrderPosted, "posted as SF1",
		func(u *store.OrderUpdate) { u.PostedReceiptNo = "SF202611260001" }); err != nil {
		t.Fatal(err)
	}
	create(mismatchOut)
	if res, err := s.portal.MarkPaid(ctx, mismatchOut, "4200000003", 90_00, now); err != nil || res.Outcome != store.PaymentFlagged {
		t.Fatalf("MarkPaid of another amount = %+v, %v", res, err)
	}
	if err := s.portal.RecordUnknownAccount(ctx, store.Callback{Provider: "bank", ProviderTxnID: "BK20261126000009", AccountNo: "3199999999",
		Amount: 50_00, PaidAt: now, Header: http.Header{}, Body: []byte(`{"account":"3199999999"}`)}); err != nil {
		t.Fatal(err)
	}
	day, _ := time.Parse(time.DateOnly, reconDay)
	if err := s.portal.SaveReconciliation(ctx, day, "wechat", []store.ReconItem{
		{OutTradeNo: postedOut, ProviderTxnID: "4200000002", Status: "matched", ProviderAmount: 100_00, OrderAmount: 100_00, ReceiptNo: "SF202611260001"},
		{OutTradeNo: mismatchOut, ProviderTxnID: "4200000003", Status: "amount_mismatch", ProviderAmount: 90_00, OrderAmount: 100_00, Note: "=1+2 短款"},
	}); err != nil {
		t.Fatal(err)
	}
}

// auditCount is how many audit rows of action there are.
func (s *site) auditCount(t *testing.T, action string) int {
	t.Helper()
	_, n, err := s.portal.AuditLog(t.Context(), store.AuditFilter{Action: action}, store.Page{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPaymentPages(t *testing.T) {
	s := newSite(t)
	s.financeData(t)
	finance := s.signIn(t, s.staff[staff.Finance])
	agent := s.signIn(t, s.staff[staff.Agent])
	for _, tc := range []struct {
		name   string
		b      *browser
		path   string
		status int
		want   []string
		not    []string
	}{
		{"search by account", finance, "/admin/payments?account=" + demo.DemoResidentialNo, http.StatusOK,
			[]string{paidOut, postedOut, mismatchOut, "共3笔订单"}, nil},
		{"search by order", finance, "/admin/payments?out=" + postedOut, http.StatusOK, []string{postedOut, "共1笔订单"}, []string{paidOut}},
		{"search by transaction", agent, "/admin/payments?txn=4200000001", http.StatusOK, []string{paidOut, "共1笔订单"}, []string{postedOut}},
		{"search by receipt", finance, "/admin/payments?receipt=SF202611260001", http.StatusOK, []string{postedOut}, []string{paidOut}},
		{"search by status", finance, "/admin/payments?status=FLAGGED", http.StatusOK, []string{mismatchOut}, []string{paidOut}},
		{"the form alone", finance, "/admin/payments", http.StatusOK, []string{`name="account"`}, []string{paidOut}},
		{"an order with its raw callback", finance, "/admin/payments/" + paidOut, http.StatusOK,
			[]string{"&lt;xml&gt;&lt;transaction_id&gt;4200000001", "张*国", "138****8000", "/repost", "微信支付 · 扫码支付"},
			[]string{"张建国", demo.DemoResidentialPhone, "/resend-receipt", "/resolve"}},
		{"a posted order", finance, "/admin/payments/" + postedOut, http.StatusOK, []string{"SF202611260001", "/resend-receipt"}, []string{"/repost"}},
		{"a flagged order", finance, "/admin/payments/" + mismatchOut, http.StatusOK, []string{"金额不符", "/resolve", "¥90.00"}, nil},
		{"an agent reads an order but has no actions", agent, "/admin/payments/" + paidOut, http.StatusOK, []string{paidOut}, []string{"/repost"}},
		{"a missing order", finance, "/admin/payments/GPW2026112609000000000000000999", http.StatusNotFound, nil, nil},
		{"flagged orders", finance, "/admin/payments/flagged", http.StatusOK,
			[]string{mismatchOut, "金额不符", "BK20261126000009", "3199999999", `value="refund_offline"`}, []string{paidOut}},
		{"reconciliation days", finance, "/admin/reconciliation?from=2026-11-01&to=2026-11-26", http.StatusOK,
			[]string{"/admin/reconciliation/2026-11-25?channel=wechat", "¥190.00", "¥200.00"}, nil},
		{"reconciliation by default", finance, "/admin/reconciliation", http.StatusOK, []string{"2026-11-25"}, nil},
		{"a day's exceptions", finance, "/admin/reconciliation/" + reconDay, http.StatusOK,
			[]string{mismatchOut, "金额不符", "/admin/reconciliation/items/", "export.xlsx"}, []string{">" + postedOut}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.b.get(tc.path)
			if a.status != tc.status {
				t.Fatalf("GET %s = %d, want %d: %s", tc.path, a.status, tc.status, a.body)
			}
			for _, w := range tc.want {
				if !strings.Contains(a.body, w) {
					t.Errorf("GET %s lacks %q", tc.path, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(a.body, n) {
					t.Errorf("GET %s shows %q", tc.path, n)
				}
			}
		})
	}
}

func TestPaymentActions(t *testing.T) {
	s := newSite(t)
	s.financeData(t)
	finance := s.signIn(t, s.staff[staff.Finance])
	page := func(out string) string { return "/admin/payments/" + out }
	for _, tc := range []struct {
		name, from, path string
		form             url.Values
		status           int
		action           string // the audit row it writes
	}{
		{"resolve without a resolution", page(mismatchOut), page(mismatchOut) + "/resolve", url.Values{"resolution": {"refund"}, "note": {"x"}}, http.StatusBadRequest, ""},
		{"resolve without a note", page(mismatchOut), page(mismatchOut) + "/resolve", url.Values{"resolution": {"post"}}, http.StatusBadRequest, ""},
		{"post the amount received", page(mismatchOut), page(mismatchOut) + "/resolve", url.Values{"resolution": {"post"}, "note": {"客户确认少付10元"}}, http.StatusSeeOther, "payment.resolve"},
		{"resolve again", page(mismatchOut), page(mismatchOut) + "/resolve", url.Values{"resolution": {"close"}, "note": {"again"}}, http.StatusConflict, ""},
		{"repost a posted order", page(postedOut), page(postedOut) + "/repost", url.Values{"reason": {"stuck"}}, http.StatusConflict, ""},
		{"repost without a reason", page(paidOut), page(paidOut) + "/repost", url.Values{}, http.StatusBadRequest, ""},
		{"repost a paid order", page(paidOut), page(paidOut) + "/repost", url.Values{"reason": {"posting stuck since morning"}}, http.StatusSeeOther, "payment.repost"},
		{"resend a paid order's receipt", page(paidOut), page(paidOut) + "/resend-receipt", url.Values{"reason": {"lost"}}, http.StatusConflict, ""},
		{"resend a posted order's receipt", page(postedOut), page(postedOut) + "/resend-receipt", url.Values{"reason": {"客户称未收到短信"}}, http.StatusSeeOther, "payment.resend_receipt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := map[string]int{}
			for _, act := range []string{"payment.resolve", "payment.repost", "payment.resend_receipt"} {
				before[act] = s.auditCount(t, act)
			}
			a := finance.post(tc.from, tc.path, tc.form)
			if a.status != tc.status {
				t.Fatalf("POST %s = %d, want %d: %s", tc.path, a.status, tc.status, a.body)
			}
			for act, n := range before {
				want := n
				if act == tc.action {
					want++
				}
				if got := s.auditCount(t, act); got != want {
					t.Errorf("%d %s audit rows, want %d", got, act, want)
				}
			}
			if tc.status == http.StatusSeeOther && !strings.HasPrefix(a.location, tc.from+"?done=") {
				t.Errorf("sent to %q, want back to the order", a.location)
			}
		})
	}
	ctx := t.Context()
	if o, err := s.portal.OrderByOutTradeNo(ctx, mismatchOut); err != nil || o.Status != billing.OrderPaid {
		t.Errorf("the resolved order = %+v, %v; want PAID", o.Status, err)
	}
	sent, err := s.inbox.Recent(ctx, demo.DemoResidentialPhone, 10)
	if err != nil || len(sent) != 1 || !strings.Contains(sent[0].Text, "SF202611260001") {
		t.Errorf("texts to the payer = %+v, %v; want the receipt once", sent, err)
	}
	// The repost queued payment:post, named by the order.
	paid, err := s.portal.OrderByOutTradeNo(ctx, paidOut)
	if err != nil {
		t.Fatal(err)
	}
	task, err := worker.NewPaymentPostTask(paid.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.queue.EnqueueContext(ctx, task); !errors.Is(err, asynq.ErrTaskIDConflict) {
		t.Errorf("payment:post of %s again = %v; want it queued already", paidOut, err)
	}
}

func TestReconResolve(t *testing.T) {
	s := newSite(t)
	s.financeData(t)
	finance := s.signIn(t, s.staff[staff.Finance])
	day, _ := time.Parse(time.DateOnly, reconDay)
	items, err := s.portal.ReconExceptions(t.Context(), day, "wechat", false)
	if err != nil || len(items) != 1 {
		t.Fatalf("ReconExceptions = %+v, %v", items, err)
	}
	from := "/admin/reconciliation/" + reconDay
	path := "/admin/reconciliation/items/" + strconv.FormatInt(items[0].ID, 10) + "/resolve"
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		audits int
	}{
		{"no resolution", url.Values{"day": {reconDay}}, http.StatusBadRequest, 0},
		{"a bad day to go back to", url.Values{"day": {"2026-02-30"}, "resolution": {"x"}}, http.StatusBadRequest, 0},
		{"resolved", url.Values{"day": {reconDay}, "resolution": {"渠道确认短款10元，已线下补收"}}, http.StatusSeeOther, 1},
		{"resolved again", url.Values{"day": {reconDay}, "resolution": {"again"}}, http.StatusConflict, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := finance.post(from, path, tc.form)
			if a.status != tc.status {
				t.Fatalf("POST %s = %d, want %d: %s", path, a.status, tc.status, a.body)
			}
			if n := s.auditCount(t, "recon.resolve"); n != tc.audits {
				t.Errorf("%d recon.resolve audit rows, want %d", n, tc.audits)
			}
		})
	}
	if a := finance.get(from); !strings.Contains(a.body, "渠道确认短款10元") || strings.Contains(a.body, "/admin/reconciliation/items/") {
		t.Errorf("the day's page does not show the resolution: %s", a.body)
	}
}

func TestFinanceHostileQueries(t *testing.T) {
	s := newSite(t)
	s.financeData(t)
	admin := s.signIn(t, s.staff[staff.Admin])
	huge := strings.Repeat("9", 100_000)
	for _, path := range []string{
		"/admin/payments?account=" + huge,
		"/admin/payments?account=31000000019",
		"/admin/payments?account=abc",
		"/admin/payments?out=%ff%fe",
		"/admin/payments?txn=" + url.QueryEscape("<script>"),
		"/admin/payments?status=PAID%00",
		"/admin/payments?status=paid",
		"/admin/payments?channel=paypal",
		"/admin/payments?from=2026-13-01",
		"/admin/payments?from=2026-01-01&to=2026-04-03",
		"/admin/payments?from=1999-12-31&account=3100000001",
		"/admin/payments?account=3100000001&page=0",
		"/admin/payments?account=3100000001&page=" + huge,
		"/admin/payments/flagged?page=-1",
		"/admin/payments/GPW%ff",
		"/admin/payments/" + strings.Repeat("A", 40),
		"/admin/reconciliation?from=2026-08-01&to=2026-11-01",
		"/admin/reconciliation?from=2026-11-26&to=2026-11-01",
		"/admin/reconciliation?from=26-11-01",
		"/admin/reconciliation?to=%ff",
		"/admin/reconciliation?from=" + huge,
		"/admin/reconciliation/2026-02-30",
		"/admin/reconciliation/yesterday",
		"/admin/reconciliation/" + reconDay + "?channel=paypal",
		"/admin/reconciliation/" + reconDay + "?channel=%ff",
		"/admin/reconciliation/" + reconDay + "/export.csv?channel=" + huge,
		"/admin/reconciliation/1999-01-01/export.xlsx",
		"/admin/audit/export.csv?from=2026-99-01",
		"/admin/audit/export.xlsx?to=tomorrow",
		"/admin/audit/export.csv?action=" + url.QueryEscape("DROP TABLE"),
		"/admin/audit/export.csv?action=" + huge,
		"/admin/audit/export.xlsx?username=%ff%fe",
	} {
		if a := admin.get(path); a.status != http.StatusBadRequest {
			t.Errorf("GET %.120s = %d, want 400", path, a.status)
		}
	}
}

// download fetches path as b's signed-in browser, with its headers.
func download(t *testing.T, b *browser, path string) (*http.Response, []byte) {
	t.Helper()
	resp, err := b.http.Get(b.s.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestExports(t *testing.T) {
	s := newSite(t)
	s.financeData(t)
	finance := s.signIn(t, s.staff[staff.Finance])
	auditor := s.signIn(t, s.staff[staff.Auditor])
	// Something for the audit log to hold: a resolution with a formula in its reason.
	if a := finance.post("/admin/payments/"+mismatchOut, "/admin/payments/"+mismatchOut+"/resolve",
		url.Values{"resolution": {"post"}, "note": {"=HYPERLINK(\"x\") 按实收入账"}}); a.status != http.StatusSeeOther {
		t.Fatalf("resolve = %d %s", a.status, a.body)
	}
	parse := func(t *testing.T, ext string, body []byte) [][]string {
		t.Helper()
		if ext == "csv" {
			if !bytes.HasPrefix(body, []byte("\uFEFF")) {
				t.Fatalf("the CSV has no byte order mark")
			}
			rows, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			return rows
		}
		f, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows(f.GetSheetName(0))
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	for _, tc := range []struct {
		name   string
		b      *browser
		path   string
		file   string // the UTF-8 name in filename*
		action string
		rows   int // besides the header
		cell   string
	}{
		{"reconciliation as CSV", finance, "/admin/reconciliation/" + reconDay + "/export.csv", "对账异常-" + reconDay + ".csv", "recon.export", 1, "=1+2 短款"},
		{"reconciliation as Excel", finance, "/admin/reconciliation/" + reconDay + "/export.xlsx?channel=wechat", "对账异常-" + reconDay + ".xlsx", "recon.export", 1, mismatchOut},
		{"the audit log as CSV", auditor, "/admin/audit/export.csv?action=payment.resolve", "审计日志-2026-11-26.csv", "audit.export", 1, "=HYPERLINK(\"x\") 按实收入账"},
		{"the audit log as Excel", auditor, "/admin/audit/export.xlsx?from=2026-11-26&to=2026-11-26&action=payment.resolve", "审计日志-2026-11-26.xlsx", "audit.export", 1, "payment.resolve"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := s.auditCount(t, tc.action)
			resp, body := download(t, tc.b, tc.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d: %s", tc.path, resp.StatusCode, body)
			}
			cd := resp.Header.Get("Content-Disposition")
			if !strings.HasPrefix(cd, "attachment; filename=\"") || !strings.Contains(cd, "filename*=UTF-8''"+url.PathEscape(tc.file)) {
				t.Errorf("Content-Disposition = %q, want an attachment named %s", cd, tc.file)
			}
			rows := parse(t, strings.TrimPrefix(tc.file[strings.LastIndex(tc.file, "."):], "."), body)
			if len(rows) != tc.rows+1 {
				t.Fatalf("%d rows, want a header and %d: %q", len(rows), tc.rows, rows)
			}
			found := false
			for _, cell := range rows[1] {
				// A formula comes back defused: what it said, behind a quote.
				found = found || cell == tc.cell || cell == "'"+tc.cell
			}
			if !found {
				t.Errorf("row %q lacks %q", rows[1], tc.cell)
			}
			if got := s.auditCount(t, tc.action); got != n+1 {
				t.Errorf("%d %s audit rows, want %d", got, tc.action, n+1)
			}
		})
	}
	if resp, _ := download(t, finance, "/admin/audit/export.csv"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("finance exports the audit log: %d, want 403", resp.StatusCode)
	}
}

// Staff of a supply station find only their station's customers' orders: another station's order
// is not found, and a search leaves it out.
func TestPaymentStationScope(t *testing.T) {
	s := newSite(t)
	s.financeData(t)
	ctx := t.Context()
	acct, err := s.core.AccountByNumber(ctx, demo.DemoResidentialNo)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(name string, station int64) *browser {
		m, err := s.portal.CreateStaff(ctx, store.NewStaff{Username: name, DisplayName: name, Role: staff.Agent, StationID: station,
			PasswordHash: s.staff[staff.Agent].PasswordHash}, store.Audit{Action: "staff.create", ClientAddr: "cli"})
		if err != nil {
			t.Fatal(err)
		}
		return s.signIn(t, member{Staff: m, password: testPassword})
	}
	mine, other := mk("station.mine", acct.StationID), mk("station.other", acct.StationID+1000)
	search := "/admin/payments?account=" + demo.DemoResidentialNo
	for _, tc := range []struct {
		name   string
		b      *browser
		path   string
		status int
		shows  bool
	}{
		{"the station's own agent searches", mine, search, http.StatusOK, true},
		{"the station's own agent reads the order", mine, "/admin/payments/" + paidOut, http.StatusOK, true},
		{"another station's agent searches", other, search, http.StatusOK, false},
		{"another station's agent reads the order", other, "/admin/payments/" + paidOut, http.StatusNotFound, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.b.get(tc.path)
			if a.status != tc.status || strings.Contains(a.body, paidOut) != tc.shows {
				t.Errorf("GET %s = %d, shows the order %v; want %d, %v", tc.path, a.status, !tc.shows, tc.status, tc.shows)
			}
		})
	}
}

// Finance records how a bank collection for an account that does not exist was settled, once;
// others see it but cannot.
func TestResolveUnknownAccountCollection(t *testing.T) {
	s := newSite(t)
	s.financeData(t)
	conflicts, err := s.portal.CallbackConflicts(t.Context(), 10)
	if err != nil || len(conflicts) == 0 {
		t.Fatalf("conflicts: %v", err)
	}
	path := fmt.Sprintf("/admin/payments/conflicts/%d/resolve", conflicts[0].ID)
	fin := s.signIn(t, s.staff[staff.Finance])
	if page := fin.get("/admin/payments/flagged"); !strings.Contains(page.body, `action="`+path+`"`) {
		t.Fatal("the flagged page offers finance no way to resolve the collection")
	}
	if a := fin.post("/admin/payments/flagged", path, url.Values{"resolution": {""}}); a.status != http.StatusBadRequest {
		t.Errorf("an empty resolution: %d, want 400", a.status)
	}
	if a := fin.post("/admin/payments/flagged", path, url.Values{"resolution": {"已退回银行"}}); a.status != http.StatusSeeOther {
		t.Fatalf("resolve: %d %s", a.status, a.body)
	}
	if a := fin.post("/admin/payments/flagged", path, url.Values{"resolution": {"again"}}); a.status != http.StatusConflict {
		t.Errorf("resolve again: %d, want 409", a.status)
	}
	if page := fin.get("/admin/payments/flagged"); !strings.Contains(page.body, "已退回银行") {
		t.Error("the flagged page does not show the resolution")
	}
}
