package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gridpay/internal/billing"
)

// MaxDisputeNote bounds an internal note, in UTF-16 code units, as its NVARCHAR(1000) column counts
// them.
const MaxDisputeNote = 1000

// StaffDispute is a dispute as staff see it.
type StaffDispute struct {
	Dispute                  // Messages filled only by StaffDispute (the one-dispute read)
	StationID  int64         // the account's supply station; 0 when unknown
	StatusAt   time.Time     // entered its status (SLA clock)
	AssigneeID int64         // the staff member assigned; 0 for none
	Notes      []DisputeNote // only StaffDispute fills it
	// Actions are the settlements proposed for the dispute; only StaffDispute fills it, oldest
	// first.
	Actions []DisputeAction
}

// DisputeNote is an internal note of a staff member about a dispute; the customer never sees it.
type DisputeNote struct {
	ID, StaffID int64
	Text        string
	CreatedAt   time.Time
}

// DisputeQuery selects disputes for the staff queue; a zero field selects every dispute.
type DisputeQuery struct {
	Statuses  []DisputeStatus // none: all
	Category  DisputeCategory // "": all
	StationID int64           // 0: all stations (county staff); else only that station's
	AccountNo string          // "": all
	Breached  bool            // only those past their SLA at Now
	// FiledBefore selects disputes filed before it (their age); zero: any.
	FiledBefore time.Time
	Now         time.Time
	SLA         billing.DisputeSLA // nil: billing.DefaultDisputeSLA()
}

// DisputeCounts is how many disputes stand in each status, and how many of them are past their
// service level.
type DisputeCounts struct {
	ByStatus map[DisputeStatus]int // every status, 0 when none
	Breached int
}

const staffDisputeSelect = `SELECT d.id, d.phone, d.account_no, d.bill_id, d.bill_period, d.category, d.text, d.status, d.created_at,
       d.updated_at, CASE WHEN EXISTS (SELECT 1 FROM dispute_photos p WHERE p.dispute_id = d.id) THEN 1 ELSE 0 END,
       d.station_id, COALESCE(d.status_at, d.updated_at), d.assignee_id
FROM disputes d`

func scanStaffDispute(row rowScanner) (StaffDispute, error) {
	var (
		d                StaffDispute
		bill, period     sql.NullInt64
		category, status string
		created, updated timestamp
		statusAt         timestamp
		station, assign  sql.NullInt64
	)
	err := row.Scan(&d.ID, &d.Phone, &d.AccountNo, &bill, &period, &category, &d.Text, &status, &created, &updated, &d.HasPhoto,
		&station, &statusAt, &assign)
	d.BillID, d.BillPeriod = bill.Int64, int(period.Int64)
	d.Category, d.Status = DisputeCategory(category), DisputeStatus(status)
	d.CreatedAt, d.UpdatedAt = time.Time(created), time.Time(updated)
	d.StationID, d.StatusAt, d.AssigneeID = station.Int64, time.Time(statusAt), assign.Int64
	return d, err
}

// validStation reports whether id is a station id an INT column holds, or 0 for none.
func validStation(id int64) bool { return id >= 0 && id <= math.MaxInt32 }

// breachedCondition returns a condition true of the disputes past their service level at now, and
// its arguments: a dispute is past it when it entered its status before now less the status's
// time, so that the index on (station_id, status, status_at) serves it.
func breachedCondition(now time.Time, sla billing.DisputeSLA) (string, []any) {
	var (
		conds []string
		args  []any
	)
	for i, s := range billing.DisputeStatuses() {
		due, ok := sla.Due(s, now)
		if !ok {
			continue
		}
		cutoff := now.Add(-due.Sub(now))
		conds = append(conds, fmt.Sprintf("(d.status = @bs%d AND COALESCE(d.status_at, d.updated_at) < @bc%d)", i, i))
		args = append(args, sql.Named(fmt.Sprintf("bs%d", i), string(s)), sql.Named(fmt.Sprintf("bc%d", i), timestamp(cutoff)))
	}
	if len(conds) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

// where returns the query's conditions and their arguments, or why the query is invalid. Each
// condition is fixed text; only the parameters vary.
func (q DisputeQuery) where() (string, []any, error) {
	switch {
	case len(q.Statuses) > len(billing.DisputeStatuses()):
		return "", nil, fmt.Errorf("%d statuses: %w", len(q.Statuses), billing.ErrInvalid)
	case slices.ContainsFunc(q.Statuses, func(s DisputeStatus) bool { return !s.Valid() }):
		return "", nil, fmt.Errorf("unknown status: %w", billing.ErrInvalid)
	case q.Category != "" && !q.Category.Valid():
		return "", nil, fmt.Errorf("category %q: %w", truncateText(string(q.Category), 32), billing.ErrInvalid)
	case !validStation(q.StationID):
		return "", nil, fmt.Errorf("station %d: %w", q.StationID, billing.ErrInvalid)
	case q.AccountNo != "" && !billing.ValidAccountNo(q.AccountNo):
		return "", nil, fmt.Errorf("account %q: %w", truncateText(q.AccountNo, 16), billing.ErrInvalid)
	case !q.FiledBefore.IsZero() && !plausibleDate(q.FiledBefore.UTC()):
		return "", nil, fmt.Errorf("filed before %s: want a time in 2000-2099: %w", q.FiledBefore.Format(time.RFC3339), billing.ErrInvalid)
	case q.Breached && !plausibleDate(q.Now.UTC()):
		return "", nil, fmt.Errorf("breached disputes need the time now, in 2000-2099: %w", billing.ErrInvalid)
	}
	where, args := []string{"1 = 1"}, []any{}
	if len(q.Statuses) > 0 {
		list, listArgs := inList("st", q.Statuses)
		where, args = append(where, "d.status IN ("+list+")"), append(args, listArgs...)
	}
	if q.Category != "" {
		where, args = append(where, "d.category = @category"), append(args, sql.Named("category", string(q.Category)))
	}
	if q.StationID > 0 {
		where, args = append(where, "d.station_id = @station"), append(args, sql.Named("station", q.StationID))
	}
	if q.AccountNo != "" {
		where, args = append(where, "d.account_no = @account"), append(args, sql.Named("account", q.AccountNo))
	}
	if !q.FiledBefore.IsZero() {
		where, args = append(where, "d.created_at < @filed_before"), append(args, sql.Named("filed_before", timestamp(q.FiledBefore)))
	}
	if q.Breached {
		sla := q.SLA
		if sla == nil {
			sla = billing.DefaultDisputeSLA()
		}
		cond, condArgs := breachedCondition(q.Now, sla)
		where, args = append(where, cond), append(args, condArgs...)
	}
	return " WHERE " + strings.Join(where, " AND "), args, nil
}

// StaffDisputes returns a page of the disputes q selects, the longest in their status first (oldest
// status_at first), without threads, notes or actions, and how many q selects in all.
func (p *Portal) StaffDisputes(ctx context.Context, q DisputeQuery, page Page) ([]StaffDispute, int, error) {
	cond, args, err := q.where()
	if err != nil {
		return nil, 0, fmt.Errorf("store: staff disputes: %w", err)
	}
	page = page.normalized()
	var total int
	if err := p.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM disputes d`+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: staff disputes: %w", err)
	}
	rows, err := p.db.QueryContext(ctx, staffDisputeSelect+cond+` ORDER BY COALESCE(d.status_at, d.updated_at), d.id`+
		p.db.dialect.page("@limit", "@offset"), append(args, sql.Named("limit", page.Limit), sql.Named("offset", page.Offset))...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: staff disputes: %w", err)
	}
	list, err := collect(rows, scanStaffDispute)
	if err != nil {
		return nil, 0, fmt.Errorf("store: staff disputes: %w", err)
	}
	return list, total, nil
}

// DisputeCounts counts the disputes of a station (0: of the whole county) in each status, and those
// past their service level at now under sla (nil: billing.DefaultDisputeSLA()).
func (p *Portal) DisputeCounts(ctx context.Context, stationID int64, now time.Time, sla billing.DisputeSLA) (DisputeCounts, error) {
	switch {
	case !validStation(stationID):
		return DisputeCounts{}, fmt.Errorf("store: dispute counts: station %d: %w", stationID, billing.ErrInvalid)
	case !plausibleDate(now.UTC()):
		return DisputeCounts{}, fmt.Errorf("store: dispute counts: want the time now, in 2000-2099: %w", billing.ErrInvalid)
	}
	if sla == nil {
		sla = billing.DefaultDisputeSLA()
	}
	cond, args := " WHERE 1 = 1", []any{}
	if stationID > 0 {
		cond, args = " WHERE d.station_id = @station", []any{sql.Named("station", stationID)}
	}
	out := DisputeCounts{ByStatus: map[DisputeStatus]int{}}
	for _, s := range billing.DisputeStatuses() {
		out.ByStatus[s] = 0
	}
	rows, err := p.db.QueryContext(ctx, `SELECT d.status, COUNT(*) FROM disputes d`+cond+` GROUP BY d.status`, args...)
	if err != nil {
		return DisputeCounts{}, fmt.Errorf("store: dispute counts: %w", err)
	}
	type count struct {
		status string
		n      int
	}
	counts, err := collect(rows, func(row rowScanner) (count, error) {
		var c count
		return c, row.Scan(&c.status, &c.n)
	})
	if err != nil {
		return DisputeCounts{}, fmt.Errorf("store: dispute counts: %w", err)
	}
	for _, c := range counts {
		out.ByStatus[DisputeStatus(c.status)] = c.n
	}
	breached, breachedArgs := breachedCondition(now, sla)
	if err := p.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM disputes d`+cond+` AND `+breached,
		append(args, breachedArgs...)...).Scan(&out.Breached); err != nil {
		return DisputeCounts{}, fmt.Errorf("store: dispute counts: %w", err)
	}
	return out, nil
}

// StaffDispute returns one dispute, whoever filed it, with its thread, internal notes and
// settlements, each oldest first. A missing dispute is billing.ErrNotFound.
func (p *Portal) StaffDispute(ctx context.Context, id int64) (StaffDispute, error) {
	d, err := scanStaffDispute(p.db.QueryRowContext(ctx, staffDisputeSelect+` WHERE d.id = @id`, sql.Named("id", id)))
	if errors.Is(err, sql.ErrNoRows) {
		return StaffDispute{}, fmt.Errorf("store: staff dispute %d: %w", id, billing.ErrNotFound)
	}
	if err != nil {
		return StaffDispute{}, fmt.Errorf("store: staff dispute %d: %w", id, err)
	}
	if d.Messages, err = p.disputeMessages(ctx, id); err != nil {
		return StaffDispute{}, fmt.Errorf("store: staff dispute %d: %w", id, err)
	}
	if d.Notes, err = p.disputeNotes(ctx, id); err != nil {
		return StaffDispute{}, fmt.Errorf("store: staff dispute %d: %w", id, err)
	}
	rows, err := p.db.QueryContext(ctx, disputeActionSelect+` WHERE dispute_id = @id ORDER BY id`, sql.Named("id", id))
	if err != nil {
		return StaffDispute{}, fmt.Errorf("store: staff dispute %d: %w", id, err)
	}
	if d.Actions, err = collect(rows, scanDisputeAction); err != nil {
		return StaffDispute{}, fmt.Errorf("store: staff dispute %d: %w", id, err)
	}
	return d, nil
}

func (p *Portal) disputeNotes(ctx context.Context, disputeID int64) ([]DisputeNote, error) {
	rows, err := p.db.QueryContext(ctx, `SELECT id, staff_id, text, created_at FROM dispute_notes WHERE dispute_id = @id ORDER BY id`,
		sql.Named("id", disputeID))
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row rowScanner) (DisputeNote, error) {
		var (
			n  DisputeNote
			at timestamp
		)
		err := row.Scan(&n.ID, &n.StaffID, &n.Text, &at)
		n.CreatedAt = time.Time(at)
		return n, err
	})
}

// StaffDisputePhoto returns the photo of a dispute, whoever filed it. A dispute without a photo,
// and a missing one, are billing.ErrNotFound.
func (p *Portal) StaffDisputePhoto(ctx context.Context, id int64) (DisputePhoto, error) {
	var ph DisputePhoto
	err := p.db.QueryRowContext(ctx, `SELECT content_type, bytes FROM dispute_photos WHERE dispute_id = @id`,
		sql.Named("id", id)).Scan(&ph.ContentType, &ph.Bytes)
	if errors.Is(err, sql.ErrNoRows) {
		return DisputePhoto{}, fmt.Errorf("store: photo of dispute %d: %w", id, billing.ErrNotFound)
	}
	if err != nil {
		return DisputePhoto{}, fmt.Errorf("store: photo of dispute %d: %w", id, err)
	}
	return ph, nil
}

// DisputeMove changes a dispute's status and/or adds a reply to the customer and/or an internal
// note, as one staff action.
type DisputeMove struct {
	ID    int64
	From  DisputeStatus // the status the staff member saw: another move meanwhile is a conflict
	To    DisputeStatus // "" or From: no move
	Reply string        // to the customer, "" for none
	Note  string        // internal, "" for none
	// Audit is StaffID, Reason and ClientAddr; the store fills Action ("dispute.move" /
	// "dispute.reply" / "dispute.note"), Target ("dispute:<id>") and Before/After (JSON of the
	// status etc.).
	Audit Audit
}

// settledBy reports whether a dispute reaches status only through a settlement (ProposeAction and
// DecideAction), which records what was decided, by whom and for how much.
func settledBy(s DisputeStatus) bool {
	return s == DisputeAwaitingApproval || s == DisputeAdjusted || s == DisputeRefunded || s == DisputeRejected
}

// disputeState is a dispute as its audit rows show it.
type disputeState struct {
	Status     DisputeStatus `json:"status"`
	AssigneeID int64         `json:"assignee_id,omitempty"`
	ReplyID    int64         `json:"reply_id,omitempty"`
	NoteID     int64         `json:"note_id,omitempty"`
	ActionID   int64         `json:"action_id,omitempty"`
	Kind       string        `json:"kind,omitempty"`
	AmountFen  int64         `json:"amount_fen,omitempty"`
	Action     string        `json:"action_status,omitempty"`
	PostedRef  string        `json:"posted_ref,omitempty"`
}

func (s disputeState) json() string {
	b, err := json.Marshal(s)
	if err != nil { // a struct of strings and numbers always marshals
		panic(err)
	}
	return string(b)
}

// disputeTarget is the audit target of a dispute.
func disputeTarget(id int64) string { return "dispute:" + strconv.FormatInt(id, 10) }

// validNote reports whether s is an internal note: like a dispute's text, of 1 to MaxDisputeNote
// characters.
func validNote(s string) bool { return validDisputeText(s) && utf16Len(s) <= MaxDisputeNote }

// MoveDispute does one staff action on a dispute in one transaction: it moves the dispute from
// m.From to m.To (billing.TransitionDispute decides), adds the reply to the customer's thread and the
// internal note, and writes the audit row. The dispute must still be in m.From: one another staff
// member moved meanwhile is billing.ErrConflict, as is a refused move; nothing is written then.
// Settling (awaiting_approval, adjusted, refunded, rejected) and leaving awaiting_approval go through
// ProposeAction and DecideAction, which record the settlement: MoveDispute refuses them as
// billing.ErrConflict. A move needs a reason in its audit; a missing dispute is billing.ErrNotFound.
func (p *Portal) MoveDispute(ctx context.Context, m DisputeMove) (StaffDispute, error) {
	moving := m.To != "" && m.To != m.From
	a := m.Audit
	a.Target = disputeTarget(m.ID)
	switch {
	case moving:
		a.Action = "dispute.move"
	case m.Reply != "":
		a.Action = "dispute.reply"
	default:
		a.Action = "dispute.note"
	}
	a.Before, a.After = "{}", "{}" // checked now, written below
	switch {
	case m.ID <= 0:
		return StaffDispute{}, fmt.Errorf("store: move dispute %d: %w", m.ID, billing.ErrInvalid)
	case !m.From.Valid() || (m.To != "" && !m.To.Valid()):
		return StaffDispute{}, fmt.Errorf("store: move dispute %d: status %q to %q: %w", m.ID,
			truncateText(string(m.From), 32), truncateText(string(m.To), 32), billing.ErrInvalid)
	case !moving && m.Reply == "" && m.Note == "":
		return StaffDispute{}, fmt.Errorf("store: move dispute %d: no move, reply or note: %w", m.ID, billing.ErrInvalid)
	case m.Reply != "" && !validDisputeText(m.Reply):
		return StaffDispute{}, fmt.Errorf("store: move dispute %d: reply must be valid UTF-8 of 1 to %d characters: %w",
			m.ID, MaxDisputeText, billing.ErrInvalid)
	case m.Note != "" && !validNote(m.Note):
		return StaffDispute{}, fmt.Errorf("store: move dispute %d: note must be valid UTF-8 of 1 to %d characters: %w",
			m.ID, MaxDisputeNote, billing.ErrInvalid)
	case a.StaffID <= 0:
		return StaffDispute{}, fmt.Errorf("store: move dispute %d: a staff member acts: %w", m.ID, billing.ErrInvalid)
	case moving && a.Reason == "":
		return StaffDispute{}, fmt.Errorf("store: move dispute %d: a move needs a reason: %w", m.ID, billing.ErrInvalid)
	}
	if err := validateAudit(a); err != nil {
		return StaffDispute{}, fmt.Errorf("store: move dispute %d: %w", m.ID, err)
	}
	if moving {
		if err := billing.TransitionDispute(m.From, m.To); err != nil {
			return StaffDispute{}, fmt.Errorf("store: move dispute %d: %w", m.ID, err)
		}
		if settledBy(m.To) || m.From == DisputeAwaitingApproval {
			return StaffDispute{}, fmt.Errorf("store: move dispute %d: %s to %s goes through a settlement: %w",
				m.ID, m.From, m.To, billing.ErrConflict)
		}
	}
	to := m.From
	if moving {
		to = m.To
	}
	now := p.now().UTC().Truncate(time.Millisecond)
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		// The update checks the status the staff member saw; even a note alone does, so that no one
		// writes about a dispute that moved under them.
		set := `updated_at = updated_at`
		switch {
		case moving:
			set = `status = @to, status_at = @at, updated_at = @at`
		case m.Reply != "":
			set = `updated_at = @at`
		}
		res, err := tx.ExecContext(ctx, `UPDATE disputes SET `+set+` WHERE id = @id AND status = @from`,
			sql.Named("to", string(to)), sql.Named("at", timestamp(now)), sql.Named("id", m.ID), sql.Named("from", string(m.From)))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return p.missingOrMoved(ctx, tx, m.ID, m.From)
		}
		before, after := disputeState{Status: m.From}, disputeState{Status: to}
		if m.Reply != "" {
			if after.ReplyID, err = p.insertDisputeMessage(ctx, tx, m.ID,
				DisputeMessage{Author: AuthorStaff, StaffID: a.StaffID, Text: m.Reply, CreatedAt: now}); err != nil {
				return err
			}
		}
		if m.Note != "" {
			if err := tx.QueryRowContext(ctx, p.db.dialect.insertID("dispute_notes", "dispute_id, staff_id, text, created_at",
				"@dispute, @staff, @text, @at"), sql.Named("dispute", m.ID), sql.Named("staff", a.StaffID), sql.Named("text", m.Note),
				sql.Named("at", timestamp(now))).Scan(&after.NoteID); err != nil {
				return err
			}
		}
		audit := a
		audit.Before, audit.After = before.json(), after.json()
		return p.insertAudit(ctx, tx, now, audit)
	})
	if p.db.dialect.missingParent(err) {
		err = fmt.Errorf("staff %d: %w", a.StaffID, billing.ErrNotFound)
	}
	if err != nil {
		return StaffDispute{}, fmt.Errorf("store: move dispute %d: %w", m.ID, err)
	}
	return p.StaffDispute(ctx, m.ID)
}

// missingOrMoved tells why a conditional update of a dispute in status from found no row: the
// dispute is missing (billing.ErrNotFound) or in another status (billing.ErrConflict).
func (p *Portal) missingOrMoved(ctx context.Context, tx *sql.Tx, id int64, from DisputeStatus) error {
	var current string
	err := tx.QueryRowContext(ctx, `SELECT status FROM disputes WHERE id = @id`, sql.Named("id", id)).Scan(&current)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("dispute %d: %w", id, billing.ErrNotFound)
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("dispute is %s, not %s: moved meanwhile: %w", current, from, billing.ErrConflict)
}

// AssignDispute sets the assignee of a dispute; staffID 0 leaves it unassigned. Its audit row
// ("dispute.assign") shows the assignee before and after. A missing dispute, and an unknown staff
// member, are billing.ErrNotFound.
func (p *Portal) AssignDispute(ctx context.Context, id, staffID int64, audit Audit) error {
	audit.Action, audit.Target, audit.Before, audit.After = "dispute.assign", disputeTarget(id), "{}", "{}"
	switch {
	case id <= 0 || staffID < 0:
		return fmt.Errorf("store: assign dispute %d to %d: %w", id, staffID, billing.ErrInvalid)
	case audit.StaffID <= 0:
		return fmt.Errorf("store: assign dispute %d: a staff member acts: %w", id, billing.ErrInvalid)
	}
	if err := validateAudit(audit); err != nil {
		return fmt.Errorf("store: assign dispute %d: %w", id, err)
	}
	now := p.now().UTC().Truncate(time.Millisecond)
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		var (
			status string
			old    sql.NullInt64
		)
		err := tx.QueryRowContext(ctx, `SELECT status, assignee_id FROM disputes WHERE id = @id`, sql.Named("id", id)).Scan(&status, &old)
		if errors.Is(err, sql.ErrNoRows) {
			return billing.ErrNotFound
		}
		if err != nil {
			return err
		}
		// Conditional on the assignee read, so that two assignments at once each record what they
		// replaced.
		res, err := tx.ExecContext(ctx, `UPDATE disputes SET assignee_id = @staff WHERE id = @id
AND (assignee_id = @old OR (assignee_id IS NULL AND @old IS NULL))`,
			sql.Named("staff", sql.NullInt64{Int64: staffID, Valid: staffID > 0}), sql.Named("id", id), sql.Named("old", old))
		if p.db.dialect.missingParent(err) {
			return fmt.Errorf("staff %d: %w", staffID, billing.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("assigned meanwhile: %w", billing.ErrConflict)
		}
		a := audit
		a.Before = disputeState{Status: DisputeStatus(status), AssigneeID: old.Int64}.json()
		a.After = disputeState{Status: DisputeStatus(status), AssigneeID: staffID}.json()
		return p.insertAudit(ctx, tx, now, a)
	})
	if err != nil {
		return fmt.Errorf("store: assign dispute %d: %w", id, err)
	}
	return nil
}
