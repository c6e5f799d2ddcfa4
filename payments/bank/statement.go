package bank

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gridpay/internal/billing"
	"gridpay/payments"
)

// StatementDir is where the collecting bank drops its daily statement files (e.g. over SFTP), one
// per day named YYYYMMDD.csv: a header line `txn_id,account_no,amount_fen,paid_at`, then one line
// per collection, paid_at in RFC 3339.
type StatementDir struct {
	Dir string
	Loc *time.Location // the bureau's zone, whose dates name the files
}

var _ payments.StatementSource = StatementDir{}

// maxStatement bounds a statement file.
const maxStatement = 64 << 20

// Statement implements payments.StatementSource; a day without a file is billing.ErrNotFound.
func (s StatementDir) Statement(_ context.Context, day time.Time) ([]payments.StatementLine, error) {
	path := filepath.Join(s.Dir, day.In(s.Loc).Format("20060102")+".csv")
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("bank: no statement %s: %w", path, billing.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("bank: statement: %w", err)
	}
	defer f.Close()
	return ParseStatement(io.LimitReader(f, maxStatement))
}

// ParseStatement reads a statement file. Bank collections have no order of ours: the lines carry
// the bank's transaction id and the account, and reconciliation matches on the transaction.
func ParseStatement(r io.Reader) ([]payments.StatementLine, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 4
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("bank: statement: %v: %w", err, billing.ErrInvalid)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "txn_id,account_no,amount_fen,paid_at" {
		return nil, fmt.Errorf("bank: statement header: want txn_id,account_no,amount_fen,paid_at: %w", billing.ErrInvalid)
	}
	var lines []payments.StatementLine
	for i, row := range rows[1:] {
		amount, err := strconv.ParseInt(row[2], 10, 64)
		at, terr := time.Parse(time.RFC3339, row[3])
		if err != nil || amount <= 0 || terr != nil || row[0] == "" || len(row[0]) > 64 || !billing.ValidAccountNo(row[1]) {
			return nil, fmt.Errorf("bank: statement line %d is malformed: %w", i+2, billing.ErrInvalid)
		}
		lines = append(lines, payments.StatementLine{ProviderTxnID: row[0], AccountNo: row[1], Amount: billing.Money(amount), PaidAt: at})
	}
	return lines, nil
}
