package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"gridpay/internal/billing"
)

// DisputeCategory is what a customer disputes. It is billing.DisputeCategory under the name this
// package's callers know: the categories are a rule of the domain.
type DisputeCategory = billing.DisputeCategory

// The dispute categories; see billing.DisputeCategory.
const (
	DisputeReadingAmount = billing.DisputeReadingAmount
	DisputeNotCredited   = billing.DisputeNotCredited
	DisputePaidTwice     = billing.DisputePaidTwice
	DisputeLateFeeWaiver = billing.DisputeLateFeeWaiver
	DisputeFaultyMeter   = billing.DisputeFaultyMeter
)

// DisputeCategories returns every category, in the order a form offers them.
func DisputeCategories() []DisputeCategory { return billing.DisputeCategories() }

// DisputeStatus is where a dispute stands. It is billing.DisputeStatus, whose table of legal moves
// AddStaffReply checks inside its transaction.
type DisputeStatus = billing.DisputeStatus

// The dispute statuses; see billing.DisputeStatus for the legal moves between them.
const (
	DisputeOpen             = billing.DisputeOpen
	DisputeInReview         = billing.DisputeInReview
	DisputeAwaitingApproval = billing.DisputeAwaitingApproval
	DisputeAdjusted         = billing.DisputeAdjusted
	DisputeRefunded         = billing.DisputeRefunded
	DisputeRejected         = billing.DisputeRejected
	DisputeFollowUp         = billing.DisputeFollowUp
	DisputeClosed           = billing.DisputeClosed
)

// Authors of dispute messages.
const (
	AuthorCustomer = "customer"
	AuthorStaff    = "staff"
)

// Dispute limits.
const (
	// MaxDisputeText bounds a dispute's text and each message, in UTF-16 code units, as the
	// NVARCHAR(1000) columns count them: a rare character outside the BMP (𠮷) takes two.
	MaxDisputeText = 1000
	// MaxDisputePhoto bounds a dispute's photo, in bytes.
	MaxDisputePhoto = 5 << 20
)

// maxDisputesListed bounds the list of one customer's disputes.
const maxDisputesListed = 100

// Dispute is a customer's dispute as filed, with where it stands.
type Dispute struct {
	ID        int64
	Phone     string // the filer's phone: the dispute is theirs alone
	AccountNo string
	BillID    int64 // 0 when no bill is disputed
	// BillPeriod is the disputed bill's period (YYYYMM) as it was when filed, so that showing a
	// dispute needs nothing from the core database; 0 without a bill.
	BillPeriod int
	Category   DisputeCategory
	Text       string
	Status     DisputeStatus
	HasPhoto   bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Messages   []DisputeMessage // the thread, oldest first; only Dispute and FileDispute fill it
}

// DisputeMessage is one message of a dispute's thread: the customer's statement, a staff reply or
// a customer's follow-up.
type DisputeMessage struct {
	ID        int64
	Author    string // AuthorCustomer or AuthorStaff
	StaffID   int64  // who replied, for a staff reply written by MoveDispute; else 0
	Text      string
	CreatedAt time.Time
}

// DisputePhoto is a dispute's photo with its content type, image/jpeg or image/png.
type DisputePhoto struct {
	ContentType string
	Bytes       []byte
}

// NewDispute is a dispute to be filed.
type NewDispute struct {
	Phone      string
	AccountNo  string
	BillID     int64 // 0 when no bill is disputed
	BillPeriod int   // the bill's period, YYYYMM; 0 without a bill
	Category   DisputeCategory
	Text       string
	Photo      *DisputePhoto // nil without a photo
	StationID  int64         // the account's supply station, which scopes the staff who see it; 0 when unknown
}

func validateNewDispute(d NewDispute) error {
	switch {
	case !billing.ValidPhone(d.Phone) || !billing.ValidAccountNo(d.AccountNo):
		return fmt.Errorf("phone or account number: %w", billing.ErrInvalid)
	case d.BillID < 0 || (d.BillID == 0) != (d.BillPeriod == 0) || (d.BillID > 0 && !billing.Period(d.BillPeriod).Valid()):
		return fmt.Errorf("bill %d of period %d: %w", d.BillID, d.BillPeriod, billing.ErrInvalid)
	case d.StationID < 0 || d.StationID > math.MaxInt32:
		return fmt.Errorf("station %d: %w", d.StationID, billing.ErrInvalid)
	case !d.Category.Valid():
		return fmt.Errorf("category %q: %w", truncateText(string(d.Category), 32), billing.ErrInvalid)
	case !validDisputeText(d.Text):
		return fmt.Errorf("text must be valid UTF-8 of 1 to %d characters: %w", MaxDisputeText, billing.ErrInvalid)
	case d.Photo != nil && (d.Photo.ContentType != "image/jpeg" && d.Photo.ContentType != "image/png"):
		return fmt.Errorf("photo type %q: %w", truncateText(d.Photo.ContentType, 32), billing.ErrInvalid)
	case d.Photo != nil && (len(d.Photo.Bytes) == 0 || len(d.Photo.Bytes) > MaxDisputePhoto):
		return fmt.Errorf("photo of %d bytes: want 1 to %d: %w", len(d.Photo.Bytes), MaxDisputePhoto, billing.ErrInvalid)
	}
	return nil
}

// FileDispute files a dispute: the dispute, its text as the first message of the thread, and its
// photo, in one transaction. The dispute starts open.
func (p *Portal) FileDispute(ctx context.Context, d NewDispute) (Dispute, error) {
	if err := validateNewDispute(d); err != nil {
		return Dispute{}, fmt.Errorf("store: file dispute: %w", err)
	}
	now := p.now().UTC().Truncate(time.Millisecond)
	out := Dispute{Phone: d.Phone, AccountNo: d.AccountNo, BillID: d.BillID, BillPeriod: d.BillPeriod, Category: d.Category, Text: d.Text,
		Status: DisputeOpen, HasPhoto: d.Photo != nil, CreatedAt: now, UpdatedAt: now}
	first := DisputeMessage{Author: AuthorCustomer, Text: d.Text, CreatedAt: now}
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, p.db.dialect.insertID("disputes",
			"phone, account_no, bill_id, bill_period, category, text, status, created_at, updated_at, station_id, status_at",
			"@phone, @no, @bill, @period, @category, @text, @status, @at, @at, @station, @at"),
			sql.Named("phone", d.Phone), sql.Named("no", d.AccountNo),
			sql.Named("bill", sql.NullInt64{Int64: d.BillID, Valid: d.BillID > 0}),
			sql.Named("period", sql.NullInt64{Int64: int64(d.BillPeriod), Valid: d.BillID > 0}),
			sql.Named("category", string(d.Category)), sql.Named("text", d.Text), sql.Named("status", string(DisputeOpen)),
			sql.Named("at", timestamp(now)), sql.Named("station", sql.NullInt64{Int64: d.StationID, Valid: d.StationID > 0})).Scan(&out.ID)
		if err != nil {
			return err
		}
		if first.ID, err = p.insertDisputeMessage(ctx, tx, out.ID, first); err != nil {
			return err
		}
		if d.Photo == nil {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO dispute_photos (dispute_id, content_type, bytes) VALUES (@id, @type, @bytes)`,
			sql.Named("id", out.ID), sql.Named("type", d.Photo.ContentType), sql.Named("bytes", d.Photo.Bytes))
		return err
	})
	if err != nil {
		return Dispute{}, fmt.Errorf("store: file dispute: %w", err)
	}
	out.Messages = []DisputeMessage{first}
	return out, nil
}

func (p *Portal) insertDisputeMessage(ctx context.Context, q querier, disputeID int64, m DisputeMessage) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, p.db.dialect.insertID("dispute_messages", "dispute_id, author, text, created_at, staff_id",
		"@dispute, @author, @text, @at, @staff"),
		sql.Named("dispute", disputeID), sql.Named("author", m.Author), sql.Named("text", m.Text),
		sql.Named("at", timestamp(m.CreatedAt)), sql.Named("staff", sql.NullInt64{Int64: m.StaffID, Valid: m.StaffID > 0})).Scan(&id)
	return id, err
}

const disputeSelect = `SELECT d.id, d.phone, d.account_no, d.bill_id, d.bill_period, d.category, d.text, d.status, d.created_at,
       d.updated_at, CASE WHEN EXISTS (SELECT 1 FROM dispute_photos p WHERE p.dispute_id = d.id) THEN 1 ELSE 0 END
FROM disputes d`

func scanDispute(row interface{ Scan(...any) error }) (Dispute, error) {
	var (
		d                Dispute
		bill, period     sql.NullInt64
		category, status string
		created, updated timestamp
	)
	err := row.Scan(&d.ID, &d.Phone, &d.AccountNo, &bill, &period, &category, &d.Text, &status, &created, &updated, &d.HasPhoto)
	d.BillID, d.BillPeriod = bill.Int64, int(period.Int64)
	d.Category, d.Status = DisputeCategory(category), DisputeStatus(status)
	d.CreatedAt, d.UpdatedAt = time.Time(created), time.Time(updated)
	return d, err
}

// Disputes returns the disputes filed from phone, newest first: at most the newest 100, without
// their threads.
func (p *Portal) Disputes(ctx context.Context, phone string) ([]Dispute, error) {
	rows, err := p.db.QueryContext(ctx, disputeSelect+` WHERE d.phone = @phone ORDER BY d.id DESC`+p.db.dialect.page("@limit", "@offset"),
		sql.Named("phone", phone), sql.Named("limit", maxDisputesListed), sql.Named("offset", 0))
	if err != nil {
		return nil, fmt.Errorf("store: disputes: %w", err)
	}
	list, err := collect(rows, scanDispute)
	if err != nil {
		return nil, fmt.Errorf("store: disputes: %w", err)
	}
	return list, nil
}

// Dispute returns one dispute filed from phone with its thread, oldest message first. Another
// phone's dispute is not found, exactly like a missing one.
func (p *Portal) Dispute(ctx context.Context, phone string, id int64) (Dispute, error) {
	d, err := scanDispute(p.db.QueryRowContext(ctx, disputeSelect+` WHERE d.id = @id AND d.phone = @phone`,
		sql.Named("id", id), sql.Named("phone", phone)))
	if errors.Is(err, sql.ErrNoRows) {
		return Dispute{}, fmt.Errorf("store: dispute %d: %w", id, billing.ErrNotFound)
	}
	if err != nil {
		return Dispute{}, fmt.Errorf("store: dispute %d: %w", id, err)
	}
	if d.Messages, err = p.disputeMessages(ctx, id); err != nil {
		return Dispute{}, fmt.Errorf("store: dispute %d: %w", id, err)
	}
	return d, nil
}

func (p *Portal) disputeMessages(ctx context.Context, disputeID int64) ([]DisputeMessage, error) {
	rows, err := p.db.QueryContext(ctx, `SELECT id, author, text, created_at, staff_id FROM dispute_messages
WHERE dispute_id = @id ORDER BY id`, sql.Named("id", disputeID))
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row rowScanner) (DisputeMessage, error) {
		var (
			m     DisputeMessage
			at    timestamp
			staff sql.NullInt64
		)
		err := row.Scan(&m.ID, &m.Author, &m.Text, &at, &staff)
		m.CreatedAt, m.StaffID = time.Time(at), staff.Int64
		return m, err
	})
}

// DisputePhoto returns the photo of a dispute filed from phone. A dispute without a photo, and
// another phone's dispute, are not found.
func (p *Portal) DisputePhoto(ctx context.Context, phone string, id int64) (DisputePhoto, error) {
	var ph DisputePhoto
	err := p.db.QueryRowContext(ctx, `SELECT ph.content_type, ph.bytes FROM dispute_photos ph
JOIN disputes d ON d.id = ph.dispute_id WHERE d.id = @id AND d.phone = @phone`,
		sql.Named("id", id), sql.Named("phone", phone)).Scan(&ph.ContentType, &ph.Bytes)
	if errors.Is(err, sql.ErrNoRows) {
		return DisputePhoto{}, fmt.Errorf("store: photo of dispute %d: %w", id, billing.ErrNotFound)
	}
	if err != nil {
		return DisputePhoto{}, fmt.Errorf("store: photo of dispute %d: %w", id, err)
	}
	return ph, nil
}

// AddStaffReply adds a staff reply to a dispute's thread and moves the dispute to status; an empty
// status, or the one it has, leaves it where it is. The move must be one billing allows
// (billing.TransitionDispute), checked against the status the dispute has inside the transaction
// that changes it: a refused move, and a dispute another reply moved meanwhile, are conflicts and
// change nothing. A missing dispute is not found.
func (p *Portal) AddStaffReply(ctx context.Context, id int64, text string, status DisputeStatus) (DisputeMessage, error) {
	if !validDisputeText(text) {
		return DisputeMessage{}, fmt.Errorf("store: reply to dispute %d: text must be valid UTF-8 of 1 to %d characters: %w",
			id, MaxDisputeText, billing.ErrInvalid)
	}
	if status != "" && !status.Valid() {
		return DisputeMessage{}, fmt.Errorf("store: reply to dispute %d: status %q: %w", id, truncateText(string(status), 32), billing.ErrInvalid)
	}
	m := DisputeMessage{Author: AuthorStaff, Text: text, CreatedAt: p.now().UTC().Truncate(time.Millisecond)}
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		var current string
		err := tx.QueryRowContext(ctx, `SELECT status FROM disputes WHERE id = @id`, sql.Named("id", id)).Scan(&current)
		if errors.Is(err, sql.ErrNoRows) {
			return billing.ErrNotFound
		}
		if err != nil {
			return err
		}
		from, to := DisputeStatus(current), status
		if to == "" {
			to = from
		}
		if to != from {
			if err := billing.TransitionDispute(from, to); err != nil {
				return err
			}
		}
		// status_at is when the dispute entered its status: a reply that keeps the status keeps it.
		set := `status = @to, updated_at = @at`
		if to != from {
			set += `, status_at = @at`
		}
		res, err := tx.ExecContext(ctx, `UPDATE disputes SET `+set+` WHERE id = @id AND status = @from`,
			sql.Named("to", string(to)), sql.Named("at", timestamp(m.CreatedAt)), sql.Named("id", id), sql.Named("from", string(from)))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("dispute left %s meanwhile: %w", from, billing.ErrConflict)
		}
		m.ID, err = p.insertDisputeMessage(ctx, tx, id, m)
		return err
	})
	if err != nil {
		return DisputeMessage{}, fmt.Errorf("store: reply to dispute %d: %w", id, err)
	}
	return m, nil
}
