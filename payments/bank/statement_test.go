package bank_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/payments/bank"
)

func TestStatementDir(t *testing.T) {
	dir := t.TempDir()
	cst := time.FixedZone("CST", 8*3600)
	os.WriteFile(filepath.Join(dir, "20261126.csv"), []byte("txn_id,account_no,amount_fen,paid_at\n"+
		"ABC1,3100000001,10000,2026-11-26T10:00:00+08:00\nABC2,3100000002,250,2026-11-26T23:59:59+08:00\n"), 0o644)
	s := bank.StatementDir{Dir: dir, Loc: cst}
	lines, err := s.Statement(context.Background(), time.Date(2026, 11, 26, 12, 0, 0, 0, cst))
	if err != nil || len(lines) != 2 || lines[0].ProviderTxnID != "ABC1" || lines[0].AccountNo != "3100000001" ||
		lines[0].Amount != 10000 || lines[1].Amount != 250 || lines[0].OutTradeNo != "" {
		t.Fatalf("Statement = %+v, %v", lines, err)
	}
	if _, err := s.Statement(context.Background(), time.Date(2026, 11, 25, 12, 0, 0, 0, cst)); !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("a day without a file = %v, want ErrNotFound", err)
	}
	for name, body := range map[string]string{
		"no header":              "ABC1,3100000001,10000,2026-11-26T10:00:00+08:00\n",
		"negative amount":        "txn_id,account_no,amount_fen,paid_at\nABC1,3100000001,-5,2026-11-26T10:00:00+08:00\n",
		"bad time":               "txn_id,account_no,amount_fen,paid_at\nABC1,3100000001,5,26/11/2026\n",
		"short account":          "txn_id,account_no,amount_fen,paid_at\nABC1,31000,5,2026-11-26T10:00:00+08:00\n",
		"letters in the account": "txn_id,account_no,amount_fen,paid_at\nABC1,31000000AB,5,2026-11-26T10:00:00+08:00\n",
		"three fields":           "txn_id,account_no,amount_fen,paid_at\nABC1,3100000001,5\n",
	} {
		if _, err := bank.ParseStatement(strings.NewReader(body)); !errors.Is(err, billing.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}
