package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gridpay/internal/billing"
)

// Settlement limits, as their columns hold them.
const (
	// MaxActionReason bounds the reason of a settlement and of its decision, in UTF-16 code units.
	MaxActionReason = 500
	// MaxActionAmount bounds a settlement's amount: 10 million yuan, far above any county bill.
	MaxActionAmount billing.Money = 1_000_000_000
	// MaxActionRef bounds a refund's order number and a posting's reference, in bytes.
	MaxActionRef = 64
	// maxActionsToPost bounds one batch of ActionsToPost.
	maxActionsToPost = 500
)

// DisputeAction is a settlement of a dispute: proposed by one staff member, decided by a second when
// above the proposer's limit, and for an adjustment or a waived fee, posted to the core database.
type DisputeAction struct {
	ID, DisputeID  int64
	Kind           billing.DisputeActionKind
	AccountNo      string
	BillID         int64 // 0 when no bill
	Amount         billing.Money
	OrderNo        string // a refund's payment order (out_trade_no); else ""
	ReasonCode     string // a rejection's billing.RejectReason; else ""
	Reason         string
	Status         billing.DisputeActionStatus
	ProposedBy     int64
	ProposedAt     time.Time
	DecidedBy      int64 // 0: not decided, or within the proposer's limit (no second person needed)
	DecidedAt      time.Time
	DecisionReason string
	PostedAt       time.Time
	PostedRef      string
}

// AdjustmentNo is the key the adjustment is posted to the core database under: "AJ" and the id, 10
// digits zero-padded.
func (a DisputeAction) AdjustmentNo() string { return fmt.Sprintf("AJ%010d", a.ID) }

// NewDisputeAction is a settlement a staff member proposes.
type NewDisputeAction struct {
	DisputeID     int64
	From          DisputeStatus // as seen: conflict if moved meanwhile
	Kind          billing.DisputeActionKind
	BillID        int64         // required for adjust_bill and waive_fee
	Amount        billing.Money // above 0 when Kind.HasAmount(), else 0
	OrderNo       string        // required for a refund, else ""
	ReasonCode    string        // a billing.RejectReason, required for a rejection, else ""
	Reason        string        // required, 1..500
	NeedsApproval bool          // the caller decided with billing.NeedsApproval
	// Audit is StaffID (= proposer) and ClientAddr; the store fills Action "dispute.propose" /
	// "dispute.act", Target, Before/After and Reason.
	Audit Audit
}

const disputeActionSelect = `SELECT id, dispute_id, kind, account_no, bill_id, amount_fen, order_no, reason_code, reason, status,
       proposed_by, proposed_at, decided_by, decided_at, decision_reason, posted_at, posted_ref
FROM dispute_actions`

func scanDisputeAction(row rowScanner) (DisputeAction, error) {
	var (
		a                                DisputeAction
		kind, status                     string
		bill, decidedBy                  sql.NullInt64
		orderNo, code, decision, postRef sql.NullString
		proposedAt                       timestamp
		decidedAt, postedAt              nullTimestamp
	)
	err := row.Scan(&a.ID, &a.DisputeID, &kind, &a.AccountNo, &bill, &a.Amount, &orderNo, &code, &a.Reason, &status,
		&a.ProposedBy, &proposedAt, &decidedBy, &decidedAt, &decision, &postedAt, &postRef)
	a.Kind, a.Status = billing.DisputeActionKind(kind), billing.DisputeActionStatus(status)
	a.BillID, a.OrderNo, a.ReasonCode = bill.Int64, orderNo.String, code.String
	a.ProposedAt, a.DecidedBy, a.DecidedAt, a.DecisionReason = time.Time(proposedAt), decidedBy.Int64, time.Time(decidedAt), decision.String
	a.PostedAt, a.PostedRef = time.Time(postedAt), postRef.String
	return a, err
}

// nullTimestamp is a timestamp column that may be NULL, scanned as the zero time.
type nullTimestamp time.Time

// Scan implements sql.Scanner.
func (t *nullTimestamp) Scan(src any) error {
	if src == nil {
		*t = nullTimestamp{}
		return nil
	}
	var v timestamp
	if err := v.Scan(src); err != nil {
		return err
	}
	*t = nullTimestamp(v)
	return nil
}

// validActionReason reports whether s is a reason staff typed: text of 1 to MaxActionReason
// characters.
func validActionReason(s string) bool { return validAuditReason(s) && utf16Len(s) <= MaxActionReason }

func validateNewDisputeAction(a NewDisputeAction) error {
	k := a.Kind
	switch {
	case a.DisputeID <= 0:
		return fmt.Errorf("dispute %d: %w", a.DisputeID, billing.ErrInvalid)
	case !a.From.Valid():
		return fmt.Errorf("status %q: %w", truncateText(string(a.From), 32), billing.ErrInvalid)
	case !k.Valid():
		return fmt.Errorf("kind %q: %w", truncateText(string(k), 32), billing.ErrInvalid)
	case a.BillID < 0 || ((k == billing.ActionAdjustBill || k == billing.ActionWaiveFee) && a.BillID == 0):
		return fmt.Errorf("%s of bill %d: %w", k, a.BillID, billing.ErrInvalid)
	case k.HasAmount() && (a.Amount <= 0 || a.Amount > MaxActionAmount):
		return fmt.Errorf("%s of %d fen: want 1 to %d: %w", k, a.Amount, MaxActionAmount, billing.ErrInvalid)
	case !k.HasAmount() && a.Amount != 0:
		return fmt.Errorf("%s with an amount of %d fen: %w", k, a.Amount, billing.ErrInvalid)
	case k == billing.ActionRefund && !printable(a.OrderNo, MaxActionRef):
		return fmt.Errorf("a refund needs its order number, 1 to %d printable characters: %w", MaxActionRef, billing.ErrInvalid)
	case k != billing.ActionRefund && a.OrderNo != "":
		return fmt.Errorf("%s with an order number: %w", k, billing.ErrInvalid)
	case k == billing.ActionReject && !billing.RejectReason(a.ReasonCode).Valid():
		return fmt.Errorf("rejection reason code %q: %w", truncateText(a.ReasonCode, 32), billing.ErrInvalid)
	case k != billing.ActionReject && a.ReasonCode != "":
		return fmt.Errorf("%s with a rejection reason code: %w", k, billing.ErrInvalid)
	case !validActionReason(a.Reason):
		return fmt.Errorf("reason: want 1 to %d characters of text: %w", MaxActionReason, billing.ErrInvalid)
	case a.NeedsApproval && k == billing.ActionReject:
		return fmt.Errorf("a rejection needs no approval: %w", billing.ErrInvalid)
	case a.Audit.StaffID <= 0:
		return fmt.Errorf("a staff member proposes: %w", billing.ErrInvalid)
	}
	return nil
}

// ProposeAction records a settlement and moves its dispute, with the audit row, in one transaction:
// to awaiting_approval with the action proposed when a.NeedsApproval (audit "dispute.propose"),
// else straight to a.Kind.Settles() with the action approved and no second person (audit
// "dispute.act"). The dispute must be in review (a rejection may also come while it is open), and
// still in a.From: a dispute moved meanwhile, and one whose settlement waits for a decision, are
// billing.ErrConflict and nothing is written. A missing dispute is billing.ErrNotFound.
func (p *Portal) ProposeAction(ctx context.Context, a NewDisputeAction) (DisputeAction, error) {
	if err := validateNewDisputeAction(a); err != nil {
		return DisputeAction{}, fmt.Errorf("store: propose %s for dispute %d: %w", truncateText(string(a.Kind), 32), a.DisputeID, err)
	}
	audit := a.Audit
	audit.Action, audit.Target, audit.Reason, audit.Before, audit.After = "dispute.act", disputeTarget(a.DisputeID), a.Reason, "{}", "{}"
	to, status := a.Kind.Settles(), billing.ActionApproved
	if a.NeedsApproval {
		audit.Action, to, status = "dispute.propose", DisputeAwaitingApproval, billing.ActionProposed
	}
	if err := validateAudit(audit); err != nil {
		return DisputeAction{}, fmt.Errorf("store: propose %s for dispute %d: %w", a.Kind, a.DisputeID, err)
	}
	if a.From != DisputeInReview && !(a.Kind == billing.ActionReject && a.From == DisputeOpen) {
		return DisputeAction{}, fmt.Errorf("store: propose %s for dispute %d: a dispute %s is not settled: %w",
			a.Kind, a.DisputeID, a.From, billing.ErrConflict)
	}
	if err := billing.TransitionDispute(a.From, to); err != nil {
		return DisputeAction{}, fmt.Errorf("store: propose %s for dispute %d: %w", a.Kind, a.DisputeID, err)
	}
	now := p.now().UTC().Truncate(time.Millisecond)
	var out DisputeAction
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE disputes SET status = @to, status_at = @at, updated_at = @at WHERE id = @id AND status = @from`,
			sql.Named("to", string(to)), sql.Named("at", timestamp(now)), sql.Named("id", a.DisputeID), sql.Named("from", string(a.From)))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return p.missingOrMoved(ctx, tx, a.DisputeID, a.From)
		}
		out = DisputeAction{DisputeID: a.DisputeID, Kind: a.Kind, BillID: a.BillID, Amount: a.Amount, OrderNo: a.OrderNo,
			ReasonCode: a.ReasonCode, Reason: a.Reason, Status: status, ProposedBy: audit.StaffID, ProposedAt: now}
		if status == billing.ActionApproved {
			out.DecidedAt = now // decided as proposed: within the proposer's own limit
		}
		if err := tx.QueryRowContext(ctx, `SELECT account_no FROM disputes WHERE id = @id`, sql.Named("id", a.DisputeID)).
			Scan(&out.AccountNo); err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, p.db.dialect.insertID("dispute_actions",
			"dispute_id, kind, account_no, bill_id, amount_fen, order_no, reason_code, reason, status, proposed_by, proposed_at, decided_at",
			"@dispute, @kind, @account, @bill, @amount, @order, @code, @reason, @status, @by, @at, @decided"),
			sql.Named("dispute", a.DisputeID), sql.Named("kind", string(a.Kind)), sql.Named("account", out.AccountNo),
			sql.Named("bill", sql.NullInt64{Int64: a.BillID, Valid: a.BillID > 0}), sql.Named("amount", int64(a.Amount)),
			sql.Named("order", sql.NullString{String: a.OrderNo, Valid: a.OrderNo != ""}),
			sql.Named("code", sql.NullString{String: a.ReasonCode, Valid: a.ReasonCode != ""}),
			sql.Named("reason", a.Reason), sql.Named("status", string(status)), sql.Named("by", audit.StaffID),
			sql.Named("at", timestamp(now)), sql.Named("decided", nullTimestampArg(out.DecidedAt))).Scan(&out.ID)
		if p.db.dialect.duplicate(err) {
			return fmt.Errorf("a settlement waits for a decision already: %w", billing.ErrConflict)
		}
		if p.db.dialect.missingParent(err) {
			return fmt.Errorf("staff %d: %w", audit.StaffID, billing.ErrNotFound)
		}
		if err != nil {
			return err
		}
		rec := audit
		rec.Before = disputeState{Status: a.From}.json()
		rec.After = disputeState{Status: to, ActionID: out.ID, Kind: string(a.Kind), AmountFen: int64(a.Amount), Action: string(status)}.json()
		return p.insertAudit(ctx, tx, now, rec)
	})
	if err != nil {
		return DisputeAction{}, fmt.Errorf("store: propose %s for dispute %d: %w", a.Kind, a.DisputeID, err)
	}
	return out, nil
}

// DecideAction approves or declines a proposed settlement as a second person, in one transaction
// with its audit row ("dispute.approve" / "dispute.decline"): the action goes from proposed to
// approved or declined, and its dispute from awaiting_approval to what the settlement settles, or
// back into review. No one decides their own proposal: that is billing.ErrForbidden and nothing is
// written. An action decided already (by a second decision at the same time, say) is
// billing.ErrConflict; a missing one billing.ErrNotFound. A decline needs a reason.
func (p *Portal) DecideAction(ctx context.Context, actionID int64, approve bool, reason string, audit Audit) (DisputeAction, error) {
	verb, status := "decline", billing.ActionDeclined
	if approve {
		verb, status = "approve", billing.ActionApproved
	}
	audit.Action, audit.Reason, audit.Before, audit.After = "dispute."+verb, reason, "{}", "{}"
	audit.Target = "dispute:0" // checked now, the dispute's id written below
	switch {
	case actionID <= 0:
		return DisputeAction{}, fmt.Errorf("store: %s action %d: %w", verb, actionID, billing.ErrInvalid)
	case audit.StaffID <= 0:
		return DisputeAction{}, fmt.Errorf("store: %s action %d: a staff member decides: %w", verb, actionID, billing.ErrInvalid)
	case (!approve || reason != "") && !validActionReason(reason):
		return DisputeAction{}, fmt.Errorf("store: %s action %d: reason: want 1 to %d characters of text: %w",
			verb, actionID, MaxActionReason, billing.ErrInvalid)
	}
	if err := validateAudit(audit); err != nil {
		return DisputeAction{}, fmt.Errorf("store: %s action %d: %w", verb, actionID, err)
	}
	now := p.now().UTC().Truncate(time.Millisecond)
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		a, err := scanDisputeAction(tx.QueryRowContext(ctx, disputeActionSelect+` WHERE id = @id`, sql.Named("id", actionID)))
		if errors.Is(err, sql.ErrNoRows) {
			return billing.ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := billing.CheckFourEyes(a.ProposedBy, audit.StaffID); err != nil {
			return err
		}
		if a.Status != billing.ActionProposed {
			return fmt.Errorf("action is %s: %w", a.Status, billing.ErrConflict)
		}
		res, err := tx.ExecContext(ctx, `UPDATE dispute_actions SET status = @status, decided_by = @by, decided_at = @at, decision_reason = @reason
WHERE id = @id AND status = @proposed`,
			sql.Named("status", string(status)), sql.Named("by", audit.StaffID), sql.Named("at", timestamp(now)),
			sql.Named("reason", sql.NullString{String: reason, Valid: reason != ""}), sql.Named("id", actionID),
			sql.Named("proposed", string(billing.ActionProposed)))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("action decided meanwhile: %w", billing.ErrConflict)
		}
		to := DisputeInReview
		if approve {
			to = a.Kind.Settles()
		}
		if err := billing.TransitionDispute(DisputeAwaitingApproval, to); err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, `UPDATE disputes SET status = @to, status_at = @at, updated_at = @at WHERE id = @id AND status = @from`,
			sql.Named("to", string(to)), sql.Named("at", timestamp(now)), sql.Named("id", a.DisputeID),
			sql.Named("from", string(DisputeAwaitingApproval)))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return p.missingOrMoved(ctx, tx, a.DisputeID, DisputeAwaitingApproval)
		}
		rec := audit
		rec.Target = disputeTarget(a.DisputeID)
		rec.Before = disputeState{Status: DisputeAwaitingApproval, ActionID: a.ID, Kind: string(a.Kind), AmountFen: int64(a.Amount),
			Action: string(a.Status)}.json()
		rec.After = disputeState{Status: to, ActionID: a.ID, Kind: string(a.Kind), AmountFen: int64(a.Amount), Action: string(status)}.json()
		return p.insertAudit(ctx, tx, now, rec)
	})
	if p.db.dialect.missingParent(err) {
		err = fmt.Errorf("staff %d: %w", audit.StaffID, billing.ErrNotFound)
	}
	if err != nil {
		return DisputeAction{}, fmt.Errorf("store: %s action %d: %w", verb, actionID, err)
	}
	return p.DisputeActionByID(ctx, actionID)
}

// DisputeActionByID returns one settlement. A missing one is billing.ErrNotFound.
func (p *Portal) DisputeActionByID(ctx context.Context, id int64) (DisputeAction, error) {
	a, err := scanDisputeAction(p.db.QueryRowContext(ctx, disputeActionSelect+` WHERE id = @id`, sql.Named("id", id)))
	if errors.Is(err, sql.ErrNoRows) {
		return DisputeAction{}, fmt.Errorf("store: dispute action %d: %w", id, billing.ErrNotFound)
	}
	if err != nil {
		return DisputeAction{}, fmt.Errorf("store: dispute action %d: %w", id, err)
	}
	return a, nil
}

// postedKinds are the settlements a worker posts to the core database: refunds go back through
// the payment provider, and a rejection changes no money.
var postedKinds = []billing.DisputeActionKind{billing.ActionAdjustBill, billing.ActionWaiveFee}

// carriedOutKinds are the settlements MarkActionPosted records as carried out: the posted ones, and
// a refund once the provider gave the money back.
var carriedOutKinds = []billing.DisputeActionKind{billing.ActionAdjustBill, billing.ActionWaiveFee, billing.ActionRefund}

// ActionsToPost returns approved adjust_bill/waive_fee actions not yet posted (the worker's outbox),
// oldest first: at most limit, which must be 1 to 500.
func (p *Portal) ActionsToPost(ctx context.Context, limit int) ([]DisputeAction, error) {
	if limit <= 0 || limit > maxActionsToPost {
		return nil, fmt.Errorf("store: actions to post: limit %d: want 1 to %d: %w", limit, maxActionsToPost, billing.ErrInvalid)
	}
	kinds, args := inList("k", postedKinds)
	rows, err := p.db.QueryContext(ctx, disputeActionSelect+` WHERE status = @status AND kind IN (`+kinds+`) ORDER BY id`+
		p.db.dialect.page("@limit", "@offset"),
		append(args, sql.Named("status", string(billing.ActionApproved)), sql.Named("limit", limit), sql.Named("offset", 0))...)
	if err != nil {
		return nil, fmt.Errorf("store: actions to post: %w", err)
	}
	list, err := collect(rows, scanDisputeAction)
	if err != nil {
		return nil, fmt.Errorf("store: actions to post: %w", err)
	}
	return list, nil
}

// MarkActionPosted records that an approved adjustment reached the core database, or an approved
// refund went back through its payment channel, under ref at at: approved -> posted, once, with its
// audit row ("dispute.post", by no staff member). A second call, and an action that is not an
// approved adjustment or refund, are billing.ErrConflict and change nothing; a missing action is
// billing.ErrNotFound.
func (p *Portal) MarkActionPosted(ctx context.Context, id int64, ref string, at time.Time) (DisputeAction, error) {
	switch {
	case id <= 0:
		return DisputeAction{}, fmt.Errorf("store: mark action %d posted: %w", id, billing.ErrInvalid)
	case !printable(ref, MaxActionRef):
		return DisputeAction{}, fmt.Errorf("store: mark action %d posted: reference: want 1 to %d printable characters: %w",
			id, MaxActionRef, billing.ErrInvalid)
	case !plausibleDate(at.UTC()):
		return DisputeAction{}, fmt.Errorf("store: mark action %d posted: time in 2000-2099: %w", id, billing.ErrInvalid)
	}
	at = at.UTC().Truncate(time.Millisecond)
	now := p.now().UTC().Truncate(time.Millisecond)
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		a, err := scanDisputeAction(tx.QueryRowContext(ctx, disputeActionSelect+` WHERE id = @id`, sql.Named("id", id)))
		if errors.Is(err, sql.ErrNoRows) {
			return billing.ErrNotFound
		}
		if err != nil {
			return err
		}
		kinds, args := inList("k", carriedOutKinds)
		res, err := tx.ExecContext(ctx, `UPDATE dispute_actions SET status = @posted, posted_at = @at, posted_ref = @ref
WHERE id = @id AND status = @approved AND kind IN (`+kinds+`)`,
			append(args, sql.Named("posted", string(billing.ActionPosted)), sql.Named("at", timestamp(at)), sql.Named("ref", ref),
				sql.Named("id", id), sql.Named("approved", string(billing.ActionApproved)))...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("a %s %s is not an approved adjustment or refund to record: %w", a.Status, a.Kind, billing.ErrConflict)
		}
		reason := "posted to the core database"
		if a.Kind == billing.ActionRefund {
			reason = "refunded through the payment channel"
		}
		return p.insertAudit(ctx, tx, now, Audit{Action: "dispute.post", Target: disputeTarget(a.DisputeID),
			Before: disputeState{ActionID: id, Kind: string(a.Kind), AmountFen: int64(a.Amount), Action: string(a.Status)}.json(),
			After: disputeState{ActionID: id, Kind: string(a.Kind), AmountFen: int64(a.Amount), Action: string(billing.ActionPosted),
				PostedRef: ref}.json(),
			Reason: reason, ClientAddr: "worker"})
	})
	if err != nil {
		return DisputeAction{}, fmt.Errorf("store: mark action %d posted: %w", id, err)
	}
	return p.DisputeActionByID(ctx, id)
}
