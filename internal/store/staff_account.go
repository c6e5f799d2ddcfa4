package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gridpay/internal/billing"
)

// maxStaffListed bounds the list of staff accounts: a county bureau has dozens.
const maxStaffListed = 1000

// MaxTOTPSecret bounds a TOTP secret in base32: 32 characters hold the 160-bit secret RFC 4226
// recommends; the column takes 64.
const MaxTOTPSecret = 64

// StaffByID returns the account of id; an unknown id is billing.ErrNotFound.
func (p *Portal) StaffByID(ctx context.Context, id int64) (Staff, error) {
	s, err := p.staffByID(ctx, p.db, id)
	if err != nil {
		return Staff{}, fmt.Errorf("store: staff %d: %w", id, err)
	}
	return s, nil
}

func (p *Portal) staffByID(ctx context.Context, q querier, id int64) (Staff, error) {
	s, err := scanStaff(q.QueryRowContext(ctx, staffSelect+` WHERE id = @id`, sql.Named("id", id)))
	if errors.Is(err, sql.ErrNoRows) {
		return Staff{}, billing.ErrNotFound
	}
	return s, err
}

// ListStaff returns the staff accounts by username, at most the first 1,000.
func (p *Portal) ListStaff(ctx context.Context) ([]Staff, error) {
	rows, err := p.db.QueryContext(ctx, staffSelect+` ORDER BY username`+p.db.dialect.page("@limit", "@offset"),
		sql.Named("limit", maxStaffListed), sql.Named("offset", 0))
	if err != nil {
		return nil, fmt.Errorf("store: list staff: %w", err)
	}
	list, err := collect(rows, scanStaff)
	if err != nil {
		return nil, fmt.Errorf("store: list staff: %w", err)
	}
	return list, nil
}

// SetStaffPassword replaces a staff member's password hash and whether they must change it at
// their next sign-in, with its audit row ("staff.password"), in one transaction.
func (p *Portal) SetStaffPassword(ctx context.Context, id int64, hash string, mustChange bool, a Audit) (Staff, error) {
	if !printable(hash, MaxPasswordHash) {
		return Staff{}, fmt.Errorf("store: password of staff %d: want 1 to %d printable characters: %w", id, MaxPasswordHash, billing.ErrInvalid)
	}
	a.Action = "staff.password"
	return p.changeStaff(ctx, id, a, func(s *Staff) error {
		s.PasswordHash, s.MustChangePassword = hash, mustChange
		return nil
	})
}

// SetStaffTOTP enrolls a staff member's second factor (secret, base32) or, with "", resets it so
// that they enrol again at their next sign-in; audited as "staff.totp" or "staff.totp_reset".
// Enrolling over an enrolled factor is a conflict: a reset comes first, by an administrator.
func (p *Portal) SetStaffTOTP(ctx context.Context, id int64, secret string, a Audit) (Staff, error) {
	if secret != "" && !validBase32(secret) {
		return Staff{}, fmt.Errorf("store: second factor of staff %d: want 16 to %d base32 characters: %w", id, MaxTOTPSecret, billing.ErrInvalid)
	}
	a.Action = "staff.totp"
	if secret == "" {
		a.Action = "staff.totp_reset"
	}
	return p.changeStaff(ctx, id, a, func(s *Staff) error {
		if secret != "" && s.TOTPSecret != "" {
			return fmt.Errorf("a second factor is enrolled already: %w", billing.ErrConflict)
		}
		s.TOTPSecret = secret
		return nil
	})
}

// SetStaffDisabled disables or enables a staff account ("staff.disable" / "staff.enable"). A
// disabled account cannot sign in; ending its sessions is the caller's part.
func (p *Portal) SetStaffDisabled(ctx context.Context, id int64, disabled bool, a Audit) (Staff, error) {
	a.Action = "staff.enable"
	if disabled {
		a.Action = "staff.disable"
	}
	return p.changeStaff(ctx, id, a, func(s *Staff) error {
		s.Disabled = disabled
		return nil
	})
}

// changeStaff changes one account as change says and records the audit row of the change, with the
// account's state before and after, in one transaction. The update is conditional on the row being
// as it was read, so two administrators changing one account at once cannot lose either change
// silently: the second is a conflict.
func (p *Portal) changeStaff(ctx context.Context, id int64, a Audit, change func(*Staff) error) (Staff, error) {
	var out Staff
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		was, err := p.staffByID(ctx, tx, id)
		if err != nil {
			return err
		}
		now := p.now().UTC().Truncate(time.Millisecond)
		s := was
		if err := change(&s); err != nil {
			return err
		}
		s.UpdatedAt = now
		a.Target = "staff:" + s.Username
		if a.Before, err = staffJSON(was); err != nil {
			return err
		}
		if a.After, err = staffJSON(s); err != nil {
			return err
		}
		if err := validateAudit(a); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE staff SET password_hash = @hash, must_change_password = @must, disabled = @disabled,
    totp_secret = @totp, updated_at = @at
WHERE id = @id AND updated_at = @was`,
			sql.Named("hash", s.PasswordHash), sql.Named("must", s.MustChangePassword), sql.Named("disabled", s.Disabled),
			sql.Named("totp", sql.NullString{String: s.TOTPSecret, Valid: s.TOTPSecret != ""}), sql.Named("at", timestamp(now)),
			sql.Named("id", id), sql.Named("was", timestamp(was.UpdatedAt)))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("the account changed meanwhile: %w", billing.ErrConflict)
		}
		out = s
		return p.insertAudit(ctx, tx, now, a)
	})
	if err != nil {
		return Staff{}, fmt.Errorf("store: %s of staff %d: %w", a.Action, id, err)
	}
	return out, nil
}

// staffJSON is an account's state as audit rows show it.
func staffJSON(s Staff) (string, error) {
	b, err := json.Marshal(staffState{ID: s.ID, Username: s.Username, DisplayName: s.DisplayName, Role: s.Role, StationID: s.StationID,
		MustChangePassword: s.MustChangePassword, Disabled: s.Disabled, TOTP: s.TOTPSecret != ""})
	return string(b), err
}

// validBase32 reports whether s is 16 to MaxTOTPSecret characters of the RFC 4648 base32 alphabet
// without padding.
func validBase32(s string) bool {
	if len(s) < 16 || len(s) > MaxTOTPSecret {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || '2' <= c && c <= '7') {
			return false
		}
	}
	return true
}

// RecordAudit appends an audit row for a staff action that changes nothing in this database:
// sessions revoked in Redis, an export read. Changes of the database write theirs in their own
// transaction instead.
func (p *Portal) RecordAudit(ctx context.Context, a Audit) error {
	if err := validateAudit(a); err != nil {
		return fmt.Errorf("store: record audit: %w", err)
	}
	err := p.db.Transact(ctx, func(tx *sql.Tx) error {
		return p.insertAudit(ctx, tx, p.now().UTC().Truncate(time.Millisecond), a)
	})
	if err != nil {
		return fmt.Errorf("store: record audit: %w", err)
	}
	return nil
}
