package storetest

import (
	"context"
	"database/sql"
	"testing"
)

// CheckBooks checks that a core database's books add up, whatever order postings and reversals ran
// in: each bill's paid principal and fee are what standing (not reversed) receipts allocated to it,
// plus what the prepaid balance paid when it was issued, less what adjustments gave back to the
// prepaid balance, and never more than it owes; each adjustment's give-back is in the ledger; each receipt
// splits its amount exactly into fee, principal (both as allocated) and prepaid (as credited in the
// ledger, and taken back again when the receipt was reversed); each account's prepaid ledger runs
// without a gap and ends at its prepaid balance; no receipt number is used twice.
func CheckBooks(t testing.TB, db *sql.DB) {
	t.Helper()
	ctx := context.Background()
	scan := func(query string, dest []any, row func()) {
		t.Helper()
		rows, err := db.QueryContext(ctx, query)
		if err != nil {
			t.Fatalf("books: %v", err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				t.Fatalf("books: %v", err)
			}
			row()
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("books: %v", err)
		}
	}

	var id, principal, principalPaid, feePaid, allocPrincipal, allocFee, fromPrepaid, principalBack, feeBack int64
	scan(`SELECT b.id, b.principal_fen, b.principal_paid_fen, b.fee_paid_fen,
       COALESCE((SELECT SUM(a.principal_fen) FROM receipt_allocations a JOIN receipts r ON r.id = a.receipt_id
                 WHERE a.bill_id = b.id AND r.reversal_ref IS NULL), 0),
       COALESCE((SELECT SUM(a.fee_fen) FROM receipt_allocations a JOIN receipts r ON r.id = a.receipt_id
                 WHERE a.bill_id = b.id AND r.reversal_ref IS NULL), 0),
       COALESCE((SELECT -SUM(l.delta_fen) FROM prepaid_ledger l WHERE l.bill_id = b.id AND l.adjustment_id IS NULL), 0),
       COALESCE((SELECT SUM(j.to_prepaid_fen) FROM bill_adjustments j WHERE j.bill_id = b.id AND j.kind = 'principal'), 0),
       COALESCE((SELECT SUM(j.to_prepaid_fen) FROM bill_adjustments j WHERE j.bill_id = b.id AND j.kind = 'late_fee'), 0)
FROM bills b ORDER BY b.id`,
		[]any{&id, &principal, &principalPaid, &feePaid, &allocPrincipal, &allocFee, &fromPrepaid, &principalBack, &feeBack},
		func() {
			if principalPaid != allocPrincipal+fromPrepaid-principalBack || feePaid != allocFee-feeBack || principalPaid > principal {
				t.Errorf("bill %d: principal %d, paid %d, fee paid %d; receipts allocated %d principal and %d fee, prepaid paid %d, adjustments gave back %d principal and %d fee",
					id, principal, principalPaid, feePaid, allocPrincipal, allocFee, fromPrepaid, principalBack, feeBack)
			}
		})

	var adjustmentNo string
	var toPrepaid, ledgered int64
	scan(`SELECT j.adjustment_no, j.to_prepaid_fen,
       COALESCE((SELECT SUM(l.delta_fen) FROM prepaid_ledger l WHERE l.adjustment_id = j.id AND l.bill_id = j.bill_id), 0)
FROM bill_adjustments j ORDER BY j.id`,
		[]any{&adjustmentNo, &toPrepaid, &ledgered},
		func() {
			if toPrepaid != ledgered {
				t.Errorf("adjustment %s gave %d back to prepaid, the ledger credited %d", adjustmentNo, toPrepaid, ledgered)
			}
		})

	var (
		no                             string
		reversed                       int
		amount, fee, prepaid, credited int64
		receiptNos                     = map[string]int{}
	)
	scan(`SELECT r.receipt_no, CASE WHEN r.reversal_ref IS NULL THEN 0 ELSE 1 END,
       r.amount_fen, r.fee_fen, r.principal_fen, r.prepaid_fen,
       COALESCE((SELECT SUM(a.fee_fen) FROM receipt_allocations a WHERE a.receipt_id = r.id), 0),
       COALESCE((SELECT SUM(a.principal_fen) FROM receipt_allocations a WHERE a.receipt_id = r.id), 0),
       COALESCE((SELECT SUM(l.delta_fen) FROM prepaid_ledger l WHERE l.receipt_id = r.id), 0)
FROM receipts r ORDER BY r.id`,
		[]any{&no, &reversed, &amount, &fee, &principal, &prepaid, &allocFee, &allocPrincipal, &credited},
		func() {
			if receiptNos[no]++; receiptNos[no] == 2 {
				t.Errorf("receipt number %s used twice", no)
			}
			stillCredited := prepaid
			if reversed == 1 {
				stillCredited = 0
			}
			if amount != fee+principal+prepaid || fee != allocFee || principal != allocPrincipal || credited != stillCredited {
				t.Errorf("receipt %s of %d: fee %d, principal %d, prepaid %d; allocated %d fee and %d principal, %d credited to prepaid",
					no, amount, fee, principal, prepaid, allocFee, allocPrincipal, credited)
			}
		})

	var (
		account, delta, balance int64
		running                 = map[int64]int64{}
		broken                  = map[int64]bool{}
	)
	scan(`SELECT account_id, delta_fen, balance_fen FROM prepaid_ledger ORDER BY account_id, id`,
		[]any{&account, &delta, &balance},
		func() {
			running[account] += delta
			if balance != running[account] && !broken[account] { // the first break of each account
				broken[account] = true
				t.Errorf("account %d: prepaid ledger row of %d says balance %d, the rows up to it add up to %d",
					account, delta, balance, running[account])
			}
		})
	scan(`SELECT id, prepaid_fen FROM accounts ORDER BY id`,
		[]any{&account, &balance},
		func() {
			if sum := running[account]; balance != sum {
				t.Errorf("account %d: prepaid balance %d, its ledger adds up to %d", account, balance, sum)
			}
		})
}
