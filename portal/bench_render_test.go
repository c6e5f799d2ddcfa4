package portal_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"gridpay/internal/store"
	"gridpay/internal/web"
)

// TestRenderBillFromMemoryIsTheBillPage checks that the bench's baseline draws the very page a
// signed-in customer gets, byte for byte but for the session's token.
func TestRenderBillFromMemoryIsTheBillPage(t *testing.T) {
	s := newSite(t, true)
	c := s.signIn(t, "13800138000")
	a, err := s.core.AccountByNumber(context.Background(), "3100000001")
	if err != nil {
		t.Fatal(err)
	}
	bills, _, err := s.core.Bills(context.Background(), a.ID, store.Page{Limit: 1})
	if err != nil || len(bills) == 0 {
		t.Fatalf("no bill: %v", err)
	}
	d, err := s.core.Bill(context.Background(), a.ID, bills[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	status, want := getPage(t, c, s.url+"/accounts/3100000001/bills/"+strconv.FormatInt(d.Bill.ID, 10))
	if status != 200 {
		t.Fatalf("bill page = %d", status)
	}

	e := web.NewEngine(slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
	e.GET("/accounts/:no/bills/:id", s.h.RenderBillFromMemory("3100000001", d))
	srv := httptest.NewServer(e)
	defer srv.Close()
	status, got := getPage(t, client(t), srv.URL+"/accounts/3100000001/bills/"+strconv.FormatInt(d.Bill.ID, 10))
	if status != 200 {
		t.Fatalf("bill from memory = %d", status)
	}
	token := regexp.MustCompile(`name="csrf" value="[^"]+"`)
	if want, got := token.ReplaceAllString(want, "TOKEN"), token.ReplaceAllString(got, "TOKEN"); got != want {
		t.Errorf("bill from memory differs from the bill page:\n got: %s\nwant: %s", got, want)
	}
	if len(got) != len(want) {
		t.Errorf("bill from memory is %d bytes, the bill page %d", len(got), len(want))
	}
}
