package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gridpay/internal/billing"
)

// AdjustmentKind is what an adjustment reduces: a bill's principal or its late fee.
type AdjustmentKind = billing.AdjustmentKind

// The adjustment kinds.
const (
	AdjustPrincipal AdjustmentKind = billing.AdjustPrincipal
	AdjustLateFee   AdjustmentKind = billing.AdjustLateFee
)

// MaxAdjustmentReason is the longest reason an adjustment takes, in characters (UTF-16 code units,
// as NVARCHAR(200) counts them).
const MaxAdjustmentReason = 200

// Adjustment is a correction of one bill that staff decided (账单调整, 违约金减免), to be posted to
// the core database once.
type Adjustment struct {
	No        string // "AJ" + 10 digits: the key; posting the same No twice changes nothing
	AccountNo string
	BillID    int64
	Kind      AdjustmentKind
	Amount    billing.Money // > 0: the reduction
	Reason    string        // 1..200 characters
	DisputeID int64         // 0 for none
	On        time.Time     // the adjustment's date (bureau's civil date), for late-fee settlement
}

// AdjustmentRecord is a posted adjustment.
type AdjustmentRecord struct {
	ID         int64
	No         string
	AccountID  int64
	AccountNo  string
	BillID     int64
	BillPeriod int // YYYYMM
	Kind       AdjustmentKind
	Amount     billing.Money
	ToPrepaid  billing.Money // what the customer had already paid of the reduction, credited to prepaid
	Reason     string
	DisputeID  int64
	On         time.Time // the adjustment's date
	PostedAt   time.Time
}

// errAdjustmentPosted tells PostAdjustment that the adjustment is on record already.
var errAdjustmentPosted = errors.New("adjustment already posted")

// PostAdjustment posts an adjustment in one transaction under the account's lock (as PostPayment):
// the bill's late fee is settled up to On first, then reduced per billing.Adjust; what the customer
// had already paid of the reduction goes to the prepaid balance with a ledger row 'adjustment'.
// The same No again returns the first record and changes nothing; the same No with another
// account, bill, kind or amount is a conflict. A bill that is not the account's is not found; an
// amount over what can be reduced is invalid, and nothing is written.
func (c *Core) PostAdjustment(ctx context.Context, a Adjustment) (AdjustmentRecord, error) {
	fail := func(err error) (AdjustmentRecord, error) {
		return AdjustmentRecord{}, fmt.Errorf("store: post adjustment %s: %w", truncateText(a.No, 16), err)
	}
	if err := validateAdjustment(a); err != nil {
		return fail(err)
	}
	var rec AdjustmentRecord
	err := c.db.Transact(ctx, func(tx *sql.Tx) error {
		var err error
		rec, err = c.postAdjustment(ctx, tx, a)
		return err
	})
	if errors.Is(err, errAdjustmentPosted) || c.db.dialect.duplicate(err) {
		first, ferr := adjustmentByNo(ctx, c.db, a.No)
		switch {
		case errors.Is(ferr, billing.ErrNotFound) && !errors.Is(err, errAdjustmentPosted):
			err = fmt.Errorf("%w (and no adjustment %s exists)", err, a.No)
		case ferr != nil:
			err = ferr
		case first.AccountNo != a.AccountNo || first.BillID != a.BillID || first.Kind != a.Kind || first.Amount != a.Amount:
			err = fmt.Errorf("already posted for account %s, bill %d, %s %s: %w",
				first.AccountNo, first.BillID, first.Kind, first.Amount, billing.ErrConflict)
		default:
			rec, err = first, nil
		}
	}
	if err != nil {
		return fail(err)
	}
	return rec, nil
}

func validateAdjustment(a Adjustment) error {
	switch {
	case !validAdjustmentNo(a.No):
		return fmt.Errorf("adjustment number: want AJ and 10 digits: %w", billing.ErrInvalid)
	case !billing.ValidAccountNo(a.AccountNo):
		return fmt.Errorf("account number %q: %w", truncateText(a.AccountNo, 16), billing.ErrInvalid)
	case a.BillID <= 0:
		return fmt.Errorf("bill id %d: %w", a.BillID, billing.ErrInvalid)
	case !a.Kind.Valid():
		return fmt.Errorf("kind %q: %w", truncateText(string(a.Kind), 16), billing.ErrInvalid)
	case a.Amount <= 0:
		return fmt.Errorf("amount %s: %w", a.Amount, billing.ErrInvalid)
	case !validReason(a.Reason):
		return fmt.Errorf("reason: want 1 to %d characters: %w", MaxAdjustmentReason, billing.ErrInvalid)
	case a.DisputeID < 0:
		return fmt.Errorf("dispute id %d: %w", a.DisputeID, billing.ErrInvalid)
	case a.On.IsZero() || !plausibleDate(billing.DateOf(a.On)):
		return fmt.Errorf("adjustment date %s: %w", a.On.Format(time.DateOnly), billing.ErrInvalid)
	}
	return nil
}

// validAdjustmentNo reports whether s is "AJ" and 10 digits.
func validAdjustmentNo(s string) bool {
	if len(s) != 12 || s[:2] != "AJ" {
		return false
	}
	for i := 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validReason reports whether s is a non-blank text that fits an adjustment's reason.
func validReason(s string) bool {
	return validDisputeText(s) && utf16Len(s) <= MaxAdjustmentReason
}

func (c *Core) postAdjustment(ctx context.Context, tx *sql.Tx, a Adjustment) (AdjustmentRecord, error) {
	// Postings, reversals and adjustments of one account run one after another, so the check for
	// an existing adjustment and the bill read below are what the one before committed.
	if err := c.lockAccount(ctx, tx, a.AccountNo); err != nil {
		return AdjustmentRecord{}, err
	}
	var accountID int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM accounts WHERE account_no = @no`,
		sql.Named("no", a.AccountNo)).Scan(&accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return AdjustmentRecord{}, fmt.Errorf("account %s: %w", a.AccountNo, billing.ErrNotFound)
	}
	if err != nil {
		return AdjustmentRecord{}, err
	}
	var exists int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM bill_adjustments WHERE adjustment_no = @no`,
		sql.Named("no", a.No)).Scan(&exists); err != nil {
		return AdjustmentRecord{}, err
	}
	if exists > 0 {
		return AdjustmentRecord{}, errAdjustmentPosted
	}
	b, err := scanBill(tx.QueryRowContext(ctx, `SELECT `+billColumns+` FROM bills b
JOIN tariffs tf ON tf.id = b.tariff_id WHERE b.id = @id AND b.account_id = @acc`,
		sql.Named("id", a.BillID), sql.Named("acc", accountID)))
	if errors.Is(err, sql.ErrNoRows) {
		return AdjustmentRecord{}, fmt.Errorf("bill %d of account %s: %w", a.BillID, a.AccountNo, billing.ErrNotFound)
	}
	if err != nil {
		return AdjustmentRecord{}, err
	}
	on := billing.DateOf(a.On)
	adj, err := billing.Adjust(b.Balance, a.Kind, a.Amount, on, c.rates)
	if err != nil {
		return AdjustmentRecord{}, err
	}
	rec := AdjustmentRecord{No: a.No, AccountID: accountID, AccountNo: a.AccountNo, BillID: b.ID, BillPeriod: b.Period,
		Kind: a.Kind, Amount: a.Amount, ToPrepaid: adj.ToPrepaid, Reason: a.Reason, DisputeID: a.DisputeID,
		On: on, PostedAt: c.now().UTC().Truncate(time.Millisecond)}
	was, after := b.Balance, adj.After
	err = tx.QueryRowContext(ctx, c.db.dialect.insertID("bill_adjustments",
		`adjustment_no, account_id, bill_id, kind, amount_fen, to_prepaid_fen, principal_before_fen, principal_after_fen,
    fee_accrued_fen, fee_waived_before_fen, fee_waived_after_fen, adjusted_on, reason, dispute_id, posted_at`,
		"@no, @acc, @bill, @kind, @amount, @to_prepaid, @pb, @pa, @fa, @wb, @wa, @on, @reason, @dispute, @posted_at"),
		sql.Named("no", rec.No), sql.Named("acc", accountID), sql.Named("bill", rec.BillID), sql.Named("kind", string(rec.Kind)),
		sql.Named("amount", rec.Amount), sql.Named("to_prepaid", rec.ToPrepaid), sql.Named("pb", was.Principal),
		sql.Named("pa", after.Principal), sql.Named("fa", after.FeeAccrued), sql.Named("wb", was.FeeWaived),
		sql.Named("wa", after.FeeWaived), sql.Named("on", date(on)), sql.Named("reason", rec.Reason),
		sql.Named("dispute", sql.NullInt64{Int64: rec.DisputeID, Valid: rec.DisputeID > 0}),
		sql.Named("posted_at", timestamp(rec.PostedAt))).Scan(&rec.ID)
	if err != nil {
		return AdjustmentRecord{}, err
	}
	// Relative updates, and only while the bill is as read: the account's lock makes a change
	// meanwhile impossible, and the WHERE clause makes it a conflict if it happened anyway.
	res, err := tx.ExecContext(ctx, `UPDATE bills SET principal_fen = principal_fen - @dp,
    principal_paid_fen = principal_paid_fen - @dpp, fee_paid_fen = fee_paid_fen - @dfp,
    fee_waived_fen = fee_waived_fen + @dw, fee_accrued_fen = @fa, accrued_through = @at, status = @status
WHERE id = @id AND principal_fen = @was_p AND principal_paid_fen = @was_pp AND fee_paid_fen = @was_fp
    AND fee_waived_fen = @was_fw AND fee_accrued_fen = @was_fa`,
		sql.Named("dp", was.Principal-after.Principal), sql.Named("dpp", was.PrincipalPaid-after.PrincipalPaid),
		sql.Named("dfp", was.FeePaid-after.FeePaid), sql.Named("dw", after.FeeWaived-was.FeeWaived),
		sql.Named("fa", after.FeeAccrued), sql.Named("at", nullDateArg(after.AccruedThrough)),
		sql.Named("status", string(after.Status())), sql.Named("id", b.ID),
		sql.Named("was_p", was.Principal), sql.Named("was_pp", was.PrincipalPaid), sql.Named("was_fp", was.FeePaid),
		sql.Named("was_fw", was.FeeWaived), sql.Named("was_fa", was.FeeAccrued))
	if err := oneRow(res, err); err != nil {
		return AdjustmentRecord{}, fmt.Errorf("adjust bill %d: %w", b.ID, err)
	}
	if rec.ToPrepaid > 0 {
		balance, err := movePrepaid(ctx, tx, accountID, rec.ToPrepaid)
		if err != nil {
			return AdjustmentRecord{}, err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO prepaid_ledger (account_id, entry_on, delta_fen, balance_fen, reason, bill_id, adjustment_id)
VALUES (@acc, @on, @d, @bal, 'adjustment', @bill, @adj)`,
			sql.Named("acc", accountID), sql.Named("on", date(on)), sql.Named("d", rec.ToPrepaid),
			sql.Named("bal", balance), sql.Named("bill", b.ID), sql.Named("adj", rec.ID))
		if err != nil {
			return AdjustmentRecord{}, fmt.Errorf("prepaid ledger: %w", err)
		}
	}
	return rec, nil
}

const adjustmentColumns = `j.id, j.adjustment_no, j.account_id, a.account_no, j.bill_id, b.period, j.kind, j.amount_fen,
       j.to_prepaid_fen, j.reason, j.dispute_id, j.adjusted_on, j.posted_at
FROM bill_adjustments j JOIN accounts a ON a.id = j.account_id JOIN bills b ON b.id = j.bill_id`

func scanAdjustment(row rowScanner) (AdjustmentRecord, error) {
	var (
		r        AdjustmentRecord
		kind     string
		dispute  sql.NullInt64
		on       date
		postedAt timestamp
	)
	err := row.Scan(&r.ID, &r.No, &r.AccountID, &r.AccountNo, &r.BillID, &r.BillPeriod, &kind, &r.Amount,
		&r.ToPrepaid, &r.Reason, &dispute, &on, &postedAt)
	r.Kind, r.DisputeID, r.On, r.PostedAt = AdjustmentKind(kind), dispute.Int64, timeOf(on), time.Time(postedAt)
	return r, err
}

// adjustmentByNo returns the adjustment posted under no, or not found.
func adjustmentByNo(ctx context.Context, q querier, no string) (AdjustmentRecord, error) {
	r, err := scanAdjustment(q.QueryRowContext(ctx, `SELECT `+adjustmentColumns+` WHERE j.adjustment_no = @no`,
		sql.Named("no", no)))
	if errors.Is(err, sql.ErrNoRows) {
		return AdjustmentRecord{}, fmt.Errorf("adjustment %s: %w", no, billing.ErrNotFound)
	}
	if err != nil {
		return AdjustmentRecord{}, fmt.Errorf("adjustment %s: %w", no, err)
	}
	return r, nil
}

// Adjustments returns a page of the account's adjustments, newest first, and how many it has.
func (c *Core) Adjustments(ctx context.Context, accountID int64, page Page) ([]AdjustmentRecord, int, error) {
	page = page.normalized()
	var total int
	if err := c.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM bill_adjustments WHERE account_id = @acc`,
		sql.Named("acc", accountID)).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: adjustments of account %d: %w", accountID, err)
	}
	rows, err := c.db.QueryContext(ctx, `SELECT `+adjustmentColumns+`
WHERE j.account_id = @acc ORDER BY j.id DESC`+c.db.dialect.page("@limit", "@offset"),
		sql.Named("acc", accountID), sql.Named("limit", page.Limit), sql.Named("offset", page.Offset))
	if err != nil {
		return nil, 0, fmt.Errorf("store: adjustments of account %d: %w", accountID, err)
	}
	list, err := collect(rows, scanAdjustment)
	if err != nil {
		return nil, 0, fmt.Errorf("store: adjustments of account %d: %w", accountID, err)
	}
	return list, total, nil
}

// BillAdjustments returns one bill's adjustments, oldest first; none for a bill of another account.
func (c *Core) BillAdjustments(ctx context.Context, accountID, billID int64) ([]AdjustmentRecord, error) {
	list, err := billAdjustments(ctx, c.db, accountID, billID)
	if err != nil {
		return nil, fmt.Errorf("store: adjustments of bill %d: %w", billID, err)
	}
	return list, nil
}

func billAdjustments(ctx context.Context, q querier, accountID, billID int64) ([]AdjustmentRecord, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+adjustmentColumns+`
WHERE j.account_id = @acc AND j.bill_id = @bill ORDER BY j.id`, sql.Named("acc", accountID), sql.Named("bill", billID))
	if err != nil {
		return nil, err
	}
	return collect(rows, scanAdjustment)
}
