package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gridpay/internal/billing"
	"gridpay/internal/staff"
)

// Staff account and audit limits, as their columns hold them (text in UTF-16 code units, as
// NVARCHAR counts it).
const (
	// MaxStaffName bounds a staff member's display name.
	MaxStaffName = 50
	// MaxPasswordHash bounds a stored password hash; an argon2id PHC string is about 100 bytes.
	MaxPasswordHash = 256
	// MaxAuditAction bounds an audit action code such as "staff.create".
	MaxAuditAction = 32
	// MaxAuditTarget bounds what an audit row is about ("staff:zhang.wei", "dispute:42").
	MaxAuditTarget = 100
	// MaxAuditJSON bounds each of an audit row's before and after states, in bytes.
	MaxAuditJSON = 64 << 10
	// MaxAuditReason bounds the reason staff give for an action.
	MaxAuditReason = 500
	// MaxClientAddr bounds the client address of an audit row: an IPv6 address with a zone and a
	// port fits.
	MaxClientAddr = 64
)

// Staff is a staff member's account. PasswordHash is staff.HashPassword's; StationID is 0 for
// staff of the whole county, and otherwise the supply station whose customers alone they see.
type Staff struct {
	ID                 int64
	Username           string
	DisplayName        string
	Role               staff.Role
	StationID          int64
	PasswordHash       string
	MustChangePassword bool
	Disabled           bool
	// TOTPSecret is the base32 secret of the staff member's second factor; "" until enrolled.
	TOTPSecret string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// NewStaff is a staff account to be created. It starts enabled.
type NewStaff struct {
	Username           string // staff.ValidUsername
	DisplayName        string // 1 to MaxStaffName characters
	Role               staff.Role
	StationID          int64 // 0 for none
	PasswordHash       string
	MustChangePassword bool
}

// Audit is one staff action as the audit log records it.
type Audit struct {
	// StaffID is who acted; 0 when no staff member did (the command line, say).
	StaffID int64
	// Action is a short code, 1 to MaxAuditAction characters of [a-z0-9._-]: "staff.create".
	Action string
	// Target is what the action was about, "staff:zhang.wei" or "dispute:42".
	Target string
	// Before and After are the target's state as JSON objects; "" for none.
	Before, After string
	// Reason is the reason the staff member gave; it may be empty.
	Reason string
	// ClientAddr is where the action came from: the client's address, or "cli".
	ClientAddr string
}

// AuditEntry is a row of the audit log.
type AuditEntry struct {
	ID int64
	At time.Time
	Audit
}

// AuditFilter selects rows of the audit log; a zero field selects every row.
type AuditFilter struct {
	StaffID int64     // who acted
	Action  string    // an action code
	From    time.Time // rows at or after From
	To      time.Time // rows before To
}

func validateNewStaff(s NewStaff) error {
	switch {
	case !staff.ValidUsername(s.Username):
		return fmt.Errorf("username %q: want %d to %d characters of a-z 0-9 . _ -: %w",
			truncateText(s.Username, staff.MaxUsername), staff.MinUsername, staff.MaxUsername, billing.ErrInvalid)
	case !validLine(s.DisplayName, MaxStaffName):
		return fmt.Errorf("display name: want 1 to %d characters on one line: %w", MaxStaffName, billing.ErrInvalid)
	case !s.Role.Valid():
		return fmt.Errorf("role %q: %w", truncateText(string(s.Role), 16), billing.ErrInvalid)
	case s.StationID < 0 || s.StationID > math.MaxInt32:
		return fmt.Errorf("station %d: want a positive station id, or 0 for none: %w", s.StationID, billing.ErrInvalid)
	case !printable(s.PasswordHash, MaxPasswordHash):
		return fmt.Errorf("password hash: want 1 to %d printable characters: %w", MaxPasswordHash, billing.ErrInvalid)
	}
	return nil
}

func validateAudit(a Audit) error {
	switch {
	case a.StaffID < 0:
		return fmt.Errorf("audit: staff %d: %w", a.StaffID, billing.ErrInvalid)
	case !validAuditAction(a.Action):
		return fmt.Errorf("audit: action %q: want 1 to %d characters of a-z 0-9 . _ -: %w",
			truncateText(a.Action, MaxAuditAction), MaxAuditAction, billing.ErrInvalid)
	case !validLine(a.Target, MaxAuditTarget):
		return fmt.Errorf("audit: target: want 1 to %d characters on one line: %w", MaxAuditTarget, billing.ErrInvalid)
	case !validAuditJSON(a.Before) || !validAuditJSON(a.After):
		return fmt.Errorf("audit: before and after: want a JSON object of at most %d bytes, or nothing: %w", MaxAuditJSON, billing.ErrInvalid)
	case a.Reason != "" && !validAuditReason(a.Reason):
		return fmt.Errorf("audit: reason: want at most %d characters of text: %w", MaxAuditReason, billing.ErrInvalid)
	case !printable(a.ClientAddr, MaxClientAddr):
		return fmt.Errorf("audit: client address: want 1 to %d printable characters: %w", MaxClientAddr, billing.ErrInvalid)
	}
	return nil
}

// validAuditAction reports whether s is an action code: 1 to MaxAuditAction characters of
// [a-z0-9._-], nothing a collation could fold.
func validAuditAction(s string) bool {
	if s == "" || len(s) > MaxAuditAction {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// validAuditJSON reports whether s is empty or a JSON object that fits MaxAuditJSON: a state is
// always an object, so that an auditor's export reads each the same way.
func validAuditJSON(s string) bool {
	return s == "" || len(s) <= MaxAuditJSON && strings.HasPrefix(strings.TrimSpace(s), "{") && json.Valid([]byte(s))
}

// validAuditReason reports whether s is text staff could have typed into a reason box: valid UTF-8,
// not blank, no control characters but line breaks and tabs, and fits its column.
func validAuditReason(s string) bool {
	return utf8.ValidString(s) && strings.TrimSpace(s) != "" && utf16Len(s) <= MaxAuditReason &&
		!strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' })
}

// validLine reports whether s is 1 to max characters (UTF-16 code units) of valid UTF-8 on one
// line, not blank and without control characters.
func validLine(s string, max int) bool {
	return utf8.ValidString(s) && strings.TrimSpace(s) != "" && utf16Len(s) <= max &&
		!strings.ContainsFunc(s, unicode.IsControl)
}

// staffState is an account as its audit rows show it: never its password hash.
type staffState struct {
	ID                 int64      `json:"id"`
	Username           string     `json:"username"`
	DisplayName        string     `json:"display_name"`
	Role               staff.Role `json:"role"`
	StationID          int64      `json:"station_id,omitempty"`
	MustChangePassword bool       `json:"must_change_password"`
	Disabled           bool       `json:"disabled"`
	TOTP               bool       `json:"totp"` // enrolled: the secret itself never reaches the log
}

// CreateStaff creates a staff account and records its audit row in one transaction. The store
// fills the audit row's target ("staff:<username>") and after state (the account without its
// password hash); a's actor, action, reason and client address are the caller's. A username taken
// already is billing.ErrConflict.
func (p *Portal) CreateStaff(ctx context.Context, s NewStaff, a Audit) (Staff, error) {
	if err := validateNewStaff(s); err != nil {
		return Staff{}, fmt.Errorf("store: create staff: %w", err)
	}
	a.Target, a.Before = "staff:"+s.Username, ""
	a.After = "{}" // checked now, written below once the id is known
	if err := validateAudit(a); err != nil {
		return Staff{}, fmt.Errorf("store: create staff %s: %w", s.Username, err)
	}
	now := p.now().UTC().Truncate(time.Millisecond)
	out := Staff{Username: s.Username, DisplayName: s.DisplayName, Role: s.Role, StationID: s.StationID, PasswordHash: s.PasswordHash,
		MustChangePassword: s.MustChangePassword, CreatedAt: now, UpdatedAt: now}
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, p.db.dialect.insertID("staff",
			"username, display_name, role, station_id, password_hash, must_change_password, disabled, created_at, updated_at",
			"@username, @name, @role, @station, @hash, @must, @disabled, @at, @at"),
			sql.Named("username", s.Username), sql.Named("name", s.DisplayName), sql.Named("role", string(s.Role)),
			sql.Named("station", sql.NullInt64{Int64: s.StationID, Valid: s.StationID > 0}), sql.Named("hash", s.PasswordHash),
			sql.Named("must", s.MustChangePassword), sql.Named("disabled", false), sql.Named("at", timestamp(now))).Scan(&out.ID)
		if p.db.dialect.duplicate(err) {
			return fmt.Errorf("username %s is taken: %w", s.Username, billing.ErrConflict)
		}
		if err != nil {
			return err
		}
		if a.After, err = staffJSON(out); err != nil {
			return err
		}
		return p.insertAudit(ctx, tx, now, a)
	})
	if err != nil {
		return Staff{}, fmt.Errorf("store: create staff %s: %w", s.Username, err)
	}
	return out, nil
}

// insertAudit appends a checked audit row inside the transaction of the change it records. It is
// the only statement of the store that writes staff_audit.
func (p *Portal) insertAudit(ctx context.Context, tx *sql.Tx, at time.Time, a Audit) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO staff_audit (at, staff_id, action, target, before_json, after_json, reason, client_addr)
VALUES (@at, @staff, @action, @target, @before, @after, @reason, @addr)`,
		sql.Named("at", timestamp(at)), sql.Named("staff", sql.NullInt64{Int64: a.StaffID, Valid: a.StaffID > 0}),
		sql.Named("action", a.Action), sql.Named("target", a.Target),
		sql.Named("before", sql.NullString{String: a.Before, Valid: a.Before != ""}),
		sql.Named("after", sql.NullString{String: a.After, Valid: a.After != ""}),
		sql.Named("reason", a.Reason), sql.Named("addr", a.ClientAddr))
	return err
}

const staffSelect = `SELECT id, username, display_name, role, station_id, password_hash, must_change_password, disabled,
       totp_secret, created_at, updated_at
FROM staff`

func scanStaff(row rowScanner) (Staff, error) {
	var (
		s                Staff
		role             string
		station          sql.NullInt64
		totp             sql.NullString
		created, updated timestamp
	)
	err := row.Scan(&s.ID, &s.Username, &s.DisplayName, &role, &station, &s.PasswordHash, &s.MustChangePassword, &s.Disabled,
		&totp, &created, &updated)
	s.Role, s.StationID, s.TOTPSecret = staff.Role(role), station.Int64, totp.String
	s.CreatedAt, s.UpdatedAt = time.Time(created), time.Time(updated)
	return s, err
}

// StaffByUsername returns the account of username. An unknown username is billing.ErrNotFound; one
// that could not be a username at all is billing.ErrInvalid.
func (p *Portal) StaffByUsername(ctx context.Context, username string) (Staff, error) {
	if !staff.ValidUsername(username) {
		return Staff{}, fmt.Errorf("store: staff %q: %w", truncateText(username, staff.MaxUsername), billing.ErrInvalid)
	}
	s, err := scanStaff(p.db.QueryRowContext(ctx, staffSelect+` WHERE username = @username`, sql.Named("username", username)))
	if errors.Is(err, sql.ErrNoRows) {
		return Staff{}, fmt.Errorf("store: staff %s: %w", username, billing.ErrNotFound)
	}
	if err != nil {
		return Staff{}, fmt.Errorf("store: staff %s: %w", username, err)
	}
	return s, nil
}

// MaxAuditExport is the most audit rows AuditLogAll returns at once: an export's worth.
const MaxAuditExport = 100_000

// auditWhere turns f into the fixed text of a WHERE clause and its parameters.
func auditWhere(f AuditFilter) (string, []any, error) {
	switch {
	case f.StaffID < 0:
		return "", nil, fmt.Errorf("staff %d: %w", f.StaffID, billing.ErrInvalid)
	case f.Action != "" && !validAuditAction(f.Action):
		return "", nil, fmt.Errorf("action %q: %w", truncateText(f.Action, MaxAuditAction), billing.ErrInvalid)
	case !f.From.IsZero() && !plausibleDate(f.From.UTC()) || !f.To.IsZero() && !plausibleDate(f.To.UTC()):
		return "", nil, fmt.Errorf("want times in 2000-2099: %w", billing.ErrInvalid)
	case !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From):
		return "", nil, fmt.Errorf("%s is not after %s: %w", f.To.Format(time.RFC3339), f.From.Format(time.RFC3339), billing.ErrInvalid)
	}
	// Each condition is fixed text; only the parameters vary.
	where, args := []string{"1 = 1"}, []any{}
	if f.StaffID > 0 {
		where, args = append(where, "staff_id = @staff"), append(args, sql.Named("staff", f.StaffID))
	}
	if f.Action != "" {
		where, args = append(where, "action = @action"), append(args, sql.Named("action", f.Action))
	}
	if !f.From.IsZero() {
		where, args = append(where, "at >= @from"), append(args, sql.Named("from", timestamp(f.From)))
	}
	if !f.To.IsZero() {
		where, args = append(where, "at < @to"), append(args, sql.Named("to", timestamp(f.To)))
	}
	return " WHERE " + strings.Join(where, " AND "), args, nil
}

// AuditLog returns a page of the audit rows that f selects, newest first, and how many it selects
// in all.
func (p *Portal) AuditLog(ctx context.Context, f AuditFilter, page Page) ([]AuditEntry, int, error) {
	cond, args, err := auditWhere(f)
	if err != nil {
		return nil, 0, fmt.Errorf("store: audit log: %w", err)
	}
	page = page.normalized()
	var total int
	if err := p.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM staff_audit`+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: audit log: %w", err)
	}
	list, err := p.auditRows(ctx, cond, args, page.Limit, page.Offset)
	if err != nil {
		return nil, 0, fmt.Errorf("store: audit log: %w", err)
	}
	return list, total, nil
}

// AuditLogAll returns the audit rows that f selects, newest first, at most limit of them (1 to
// MaxAuditExport): what an export of the audit log writes.
func (p *Portal) AuditLogAll(ctx context.Context, f AuditFilter, limit int) ([]AuditEntry, error) {
	if limit <= 0 || limit > MaxAuditExport {
		return nil, fmt.Errorf("store: audit log export: %d rows: want 1 to %d: %w", limit, MaxAuditExport, billing.ErrInvalid)
	}
	cond, args, err := auditWhere(f)
	if err == nil {
		var list []AuditEntry
		if list, err = p.auditRows(ctx, cond, args, limit, 0); err == nil {
			return list, nil
		}
	}
	return nil, fmt.Errorf("store: audit log export: %w", err)
}

// auditRows reads the audit rows under cond, newest first, limit of them from offset.
func (p *Portal) auditRows(ctx context.Context, cond string, args []any, limit, offset int) ([]AuditEntry, error) {
	rows, err := p.db.QueryContext(ctx, `SELECT id, at, staff_id, action, target, before_json, after_json, reason, client_addr
FROM staff_audit`+cond+` ORDER BY at DESC, id DESC`+p.db.dialect.page("@limit", "@offset"),
		append(args, sql.Named("limit", limit), sql.Named("offset", offset))...)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row rowScanner) (AuditEntry, error) {
		var (
			e             AuditEntry
			at            timestamp
			staffID       sql.NullInt64
			before, after sql.NullString
		)
		err := row.Scan(&e.ID, &at, &staffID, &e.Action, &e.Target, &before, &after, &e.Reason, &e.ClientAddr)
		e.At, e.StaffID, e.Before, e.After = time.Time(at), staffID.Int64, before.String, after.String
		return e, err
	})
}
