package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"gridpay/internal/billing"
	"gridpay/internal/pii"
	"gridpay/internal/store"
	"gridpay/notify"
	"gridpay/payments"
)

// AccountReader reads an account of the core database, through the cache: whose an order is.
type AccountReader interface {
	AccountByNumber(ctx context.Context, accountNo string) (store.Account, error)
}

// Payments is what the finance pages need: payment search, flagged orders, reconciliation and
// exports. A nil *Payments serves none of them.
type Payments struct {
	Portal   *store.Portal
	Accounts AccountReader
	// Posting queues payment:post for an order staff post again (worker.Enqueuer).
	Posting payments.Enqueuer
	Text    notify.Channel // how a receipt is texted again: the SMS queue, or the dev inbox
	Log     *slog.Logger
}

// maxUnknownAccount bounds the bank collections for unknown accounts the flagged page lists.
const maxUnknownAccount = 100

// OrderCase is one order as the finance pages show it: the order with its timeline, the callbacks
// kept for it with their raw bodies, and whose account it is, masked.
type OrderCase struct {
	Order       store.Order
	Callbacks   []store.CallbackRecord
	Flag        *store.FlaggedOrder // why it waits for staff; nil unless FLAGGED
	MaskedName  string
	MaskedPhone string
	StationName string
}

// visible reports whether the staff member may see the account's orders: station staff see only
// their station's customers. An account the core database does not know is county-wide staff's.
func (s *Payments) visible(ctx context.Context, who store.Staff, accountNo string) (store.Account, bool, error) {
	a, err := s.Accounts.AccountByNumber(ctx, accountNo)
	if errors.Is(err, billing.ErrNotFound) {
		return store.Account{}, scope(who) == 0, nil
	}
	if err != nil {
		return store.Account{}, false, err
	}
	return a, scope(who) == 0 || a.StationID == scope(who), nil
}

// Search returns a page of the orders q selects and how many there are: station staff see their
// station's only, so for them the page drops other stations' orders.
func (s *Payments) Search(ctx context.Context, who store.Staff, q store.OrderQuery, page store.Page) ([]store.Order, int, error) {
	list, total, err := s.Portal.SearchOrders(ctx, q, page)
	if err != nil || scope(who) == 0 {
		return list, total, err
	}
	kept := list[:0]
	for _, o := range list {
		_, ok, err := s.visible(ctx, who, o.AccountNo)
		if err != nil {
			return nil, 0, err
		}
		if ok {
			kept = append(kept, o)
		} else {
			total--
		}
	}
	return kept, total, nil
}

// order returns the order numbered out if the staff member may see it; another station's is not
// found, exactly like a missing one.
func (s *Payments) order(ctx context.Context, who store.Staff, out string) (store.Order, store.Account, error) {
	o, err := s.Portal.OrderByOutTradeNo(ctx, out)
	if err != nil {
		return store.Order{}, store.Account{}, err
	}
	a, ok, err := s.visible(ctx, who, o.AccountNo)
	if err != nil {
		return store.Order{}, store.Account{}, err
	}
	if !ok {
		return store.Order{}, store.Account{}, fmt.Errorf("admin: order %s is another station's: %w", out, billing.ErrNotFound)
	}
	return o, a, nil
}

// Case returns the order numbered out with its timeline, callbacks and why it is flagged.
func (s *Payments) Case(ctx context.Context, who store.Staff, out string) (OrderCase, error) {
	o, a, err := s.order(ctx, who, out)
	if err != nil {
		return OrderCase{}, err
	}
	oc := OrderCase{MaskedName: pii.Name(a.Name), MaskedPhone: pii.Phone(a.Phone), StationName: a.StationName}
	if oc.Order, err = s.Portal.OrderByID(ctx, o.ID); err != nil {
		return OrderCase{}, err
	}
	if oc.Callbacks, err = s.Portal.OrderCallbacks(ctx, o.ID); err != nil {
		return OrderCase{}, err
	}
	if o.Status == billing.OrderFlagged {
		f, err := s.Portal.FlaggedOrderByID(ctx, o.ID)
		if err != nil {
			return OrderCase{}, err
		}
		oc.Flag = &f
	}
	return oc, nil
}

// Flagged returns a page of the orders waiting for staff, and the bank collections for accounts
// that do not exist (which have no order), newest first.
func (s *Payments) Flagged(ctx context.Context, who store.Staff, page store.Page) ([]store.FlaggedOrder, int, []store.CallbackConflict, error) {
	list, total, err := s.Portal.FlaggedOrders(ctx, page)
	if err != nil {
		return nil, 0, nil, err
	}
	if scope(who) != 0 {
		kept := list[:0]
		for _, f := range list {
			if _, ok, err := s.visible(ctx, who, f.Order.AccountNo); err != nil {
				return nil, 0, nil, err
			} else if ok {
				kept = append(kept, f)
			} else {
				total--
			}
		}
		list = kept
	}
	conflicts, err := s.Portal.CallbackConflicts(ctx, maxUnknownAccount)
	if err != nil {
		return nil, 0, nil, err
	}
	var unknown []store.CallbackConflict
	for _, c := range conflicts {
		if c.Kind == store.ConflictUnknownAccount && scope(who) == 0 {
			unknown = append(unknown, c)
		}
	}
	return list, total, unknown, nil
}

// ResolveConflict records how finance settled a bank collection for an account that does not
// exist (or another callback kept for staff): such money has no account, so no station's staff
// see it; county staff alone resolve it.
func (s *Payments) ResolveConflict(ctx context.Context, who store.Staff, id int64, resolution string, a store.Audit) (store.CallbackConflict, error) {
	if scope(who) != 0 {
		return store.CallbackConflict{}, fmt.Errorf("admin: callback conflict %d is no station's: %w", id, billing.ErrNotFound)
	}
	return s.Portal.ResolveConflict(ctx, id, resolution, a)
}

// Resolve settles a flagged order: post the money, record a refund made outside gridpay, or close
// an order that received none. A posting's outbox row is armed with it, which the sweeper queues.
func (s *Payments) Resolve(ctx context.Context, who store.Staff, out string, r store.FlagResolution, note string, a store.Audit) (store.Order, error) {
	o, _, err := s.order(ctx, who, out)
	if err != nil {
		return store.Order{}, err
	}
	return s.Portal.ResolveFlagged(ctx, o.ID, r, note, a)
}

// Repost queues payment:post again for a PAID order whose posting is stuck, audited.
func (s *Payments) Repost(ctx context.Context, who store.Staff, out string, a store.Audit) error {
	o, _, err := s.order(ctx, who, out)
	if err != nil {
		return err
	}
	outboxID, err := s.Portal.RequeuePosting(ctx, o.ID, a)
	if err != nil {
		return err
	}
	// Queued now, or by the sweeper when Redis is away: the row is armed either way.
	_ = payments.QueuePosting(ctx, s.Posting, s.Log, o.ID, outboxID)
	return nil
}

// ResendReceipt texts the receipt of a POSTED order again, to the payer or else the account's
// registered phone, and audits it.
func (s *Payments) ResendReceipt(ctx context.Context, who store.Staff, out string, a store.Audit) error {
	o, acct, err := s.order(ctx, who, out)
	if err != nil {
		return err
	}
	if o.Status != billing.OrderPosted || o.PostedReceiptNo == "" {
		return fmt.Errorf("admin: resend receipt of order %s: it is %s: %w", out, o.Status, billing.ErrConflict)
	}
	to := o.PayerPhone
	if to == "" {
		to = acct.Phone
	}
	if to == "" {
		return fmt.Errorf("admin: resend receipt of order %s: no phone: %w", out, billing.ErrConflict)
	}
	params := notify.Params{notify.ParamAccount: o.AccountNo, notify.ParamAmount: o.PaidAmount.String(), notify.ParamReceiptNo: o.PostedReceiptNo}
	if _, err := s.Text.Send(ctx, notify.Message{Kind: notify.Receipt, To: notify.To{Phone: to}, Params: params}); err != nil {
		return fmt.Errorf("admin: resend receipt of order %s: %w", out, err)
	}
	a.Action, a.Target = "payment.resend_receipt", "order:"+o.OutTradeNo
	after, err := json.Marshal(map[string]string{"receipt_no": o.PostedReceiptNo, "to": pii.Phone(to)})
	if err != nil {
		return err
	}
	a.After = string(after)
	return s.Portal.RecordAudit(ctx, a)
}

// paymentSamples are the finance pages with an empty value of their data (samplePages).
func paymentSamples(p page) map[string]any {
	return map[string]any{"payments": paymentsPage{page: p}, "payment": paymentPage{page: p}, "flagged": flaggedPage{page: p},
		"recon_days": reconDaysPage{page: p}, "recon_day": reconDayPage{page: p}}
}
