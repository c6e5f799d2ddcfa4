package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"gridpay/internal/billing"
)

// InFlightAccounts reports which accounts of a batch of at most MaxArrearsBatch have money on its
// way to posting, by the rule of InFlight, in a few statements for the whole batch: an account in
// flight is in the map as true, and any other is not in it.
func (p *Portal) InFlightAccounts(ctx context.Context, accountNos []string) (map[string]bool, error) {
	nos, err := accountBatch(accountNos)
	if err != nil {
		return nil, fmt.Errorf("store: payments in flight: %w", err)
	}
	in, err := p.inFlight(ctx, nos)
	if err != nil {
		return nil, fmt.Errorf("store: payments in flight: %w", err)
	}
	return in, nil
}

// inFlight is the query of InFlight and InFlightAccounts over valid account numbers. The statuses
// come from billing's list, so that the rule and the query cannot drift apart; money received is
// paid_at set, which MarkPaid sets with the provider's transaction, and only it.
func (p *Portal) inFlight(ctx context.Context, accountNos []string) (map[string]bool, error) {
	statuses, statusArgs := inList("inflight", billing.InFlightStatuses())
	out := map[string]bool{}
	err := inChunks("no", accountNos, func(in string, args []any) error {
		rows, err := p.db.QueryContext(ctx, `SELECT DISTINCT account_no FROM payment_orders
WHERE account_no IN (`+in+`) AND paid_at IS NOT NULL AND status IN (`+statuses+`)`, append(args, statusArgs...)...)
		if err != nil {
			return err
		}
		nos, err := collect(rows, func(row rowScanner) (string, error) {
			var no string
			err := row.Scan(&no)
			return no, err
		})
		for _, no := range nos {
			out[no] = true
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DisputedBills is what an account's open disputes (billing.DisputeStatus.Open) hold back: reminders
// about the bills they name, and with a dispute that names no bill (a payment not credited, a
// faulty meter), reminders about every bill.
type DisputedBills struct {
	Bills   []int64 // the bills with an open dispute, in id order, each once
	Account bool    // an open dispute names no bill: it is about the account as a whole
}

// OpenDisputes returns what open disputes hold back for each account of a batch of at most
// MaxArrearsBatch; an account without an open dispute is not in the map.
func (p *Portal) OpenDisputes(ctx context.Context, accountNos []string) (map[string]DisputedBills, error) {
	nos, err := accountBatch(accountNos)
	if err != nil {
		return nil, fmt.Errorf("store: open disputes: %w", err)
	}
	statuses, statusArgs := inList("open", billing.OpenDisputeStatuses())
	out := map[string]DisputedBills{}
	err = inChunks("no", nos, func(in string, args []any) error {
		rows, err := p.db.QueryContext(ctx, `SELECT account_no, bill_id FROM disputes
WHERE account_no IN (`+in+`) AND status IN (`+statuses+`)`, append(args, statusArgs...)...)
		if err != nil {
			return err
		}
		type disputed struct {
			no   string
			bill sql.NullInt64
		}
		list, err := collect(rows, func(row rowScanner) (disputed, error) {
			var d disputed
			err := row.Scan(&d.no, &d.bill)
			return d, err
		})
		for _, d := range list {
			held := out[d.no]
			if d.bill.Valid {
				held.Bills = append(held.Bills, d.bill.Int64)
			} else {
				held.Account = true
			}
			out[d.no] = held
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: open disputes: %w", err)
	}
	for no, held := range out {
		slices.Sort(held.Bills)
		held.Bills = slices.Compact(held.Bills)
		out[no] = held
	}
	return out, nil
}
