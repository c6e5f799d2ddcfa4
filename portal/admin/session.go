package admin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"gridpay/internal/billing"
	"gridpay/internal/web"
)

// Staff session rules. A staff session is shorter than a customer's: a working day.
const (
	sessionTTL = 9 * time.Hour
	keyPrefix  = "gridpay:staff:"
)

// Stage is how far a staff member's sign-in has come: a session that is not yet StageDone may only
// finish signing in.
type Stage string

// The stages of a sign-in, in order. A password opens a session; a role that needs a second factor
// then gives its TOTP code (or enrols one first); a one-time password is then replaced.
const (
	StageTOTP     Stage = "totp"     // the password was right; the TOTP code is next
	StageEnrol    Stage = "enrol"    // the role needs a second factor and none is enrolled yet
	StagePassword Stage = "password" // the password is a one-time one and must be changed
	StageDone     Stage = ""         // signed in
)

// Session is a staff member's session, kept in Redis so that signing out, disabling an account or
// an administrator's revocation ends it at once on every web process. Who the staff member is and
// what their role allows is read afresh from the portal database on every request: the session
// holds only the id.
type Session struct {
	ID      string    `json:"-"`
	StaffID int64     `json:"staff_id"`
	CSRF    string    `json:"csrf"`
	Stage   Stage     `json:"stage"`
	Created time.Time `json:"created"`
	// Enrol is the TOTP secret offered while enrolling, until a code proves the staff member's
	// authenticator holds it.
	Enrol string `json:"enrol,omitempty"`
}

// sessions keeps staff sessions in Redis, apart from customers' (other keys, another cookie).
type sessions struct {
	rdb redis.UniversalClient
	now func() time.Time
}

// start opens a session of staffID at stage.
func (s sessions) start(ctx context.Context, staffID int64, stage Stage) (Session, error) {
	ss := Session{ID: web.NewToken(), StaffID: staffID, CSRF: web.NewToken(), Stage: stage, Created: s.now().UTC()}
	if err := s.save(ctx, ss, true); err != nil {
		return Session{}, err
	}
	return ss, nil
}

// save writes a session; a new one is also listed under its staff member for revocation.
func (s sessions) save(ctx context.Context, ss Session, isNew bool) error {
	b, err := json.Marshal(ss)
	if err != nil {
		return fmt.Errorf("admin: session: %w", err)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if isNew {
			p.Set(ctx, sessionKey(ss.ID), b, sessionTTL)
			p.SAdd(ctx, staffSessionsKey(ss.StaffID), sessionHash(ss.ID))
			p.Expire(ctx, staffSessionsKey(ss.StaffID), sessionTTL)
		} else {
			p.Set(ctx, sessionKey(ss.ID), b, redis.KeepTTL)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("admin: session: %w", err)
	}
	return nil
}

// advance moves a session on to stage under a new id (the old one ends), so that an id seen
// before a step of the sign-in is worth nothing after it.
func (s sessions) advance(ctx context.Context, ss Session, stage Stage) (Session, error) {
	if err := s.end(ctx, ss); err != nil {
		return Session{}, err
	}
	next, err := s.start(ctx, ss.StaffID, stage)
	if err != nil {
		return Session{}, err
	}
	return next, nil
}

// get returns the session of a cookie value; an unknown or ended one is unauthorized.
func (s sessions) get(ctx context.Context, id string) (Session, error) {
	if len(id) != 32 {
		return Session{}, billing.ErrUnauthorized
	}
	b, err := s.rdb.Get(ctx, sessionKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return Session{}, billing.ErrUnauthorized
	}
	if err != nil {
		return Session{}, fmt.Errorf("admin: session: %w", err)
	}
	var ss Session
	if err := json.Unmarshal(b, &ss); err != nil {
		return Session{}, fmt.Errorf("admin: session: %w", err)
	}
	ss.ID = id
	return ss, nil
}

// end ends one session.
func (s sessions) end(ctx context.Context, ss Session) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, sessionKey(ss.ID))
		p.SRem(ctx, staffSessionsKey(ss.StaffID), sessionHash(ss.ID))
		return nil
	})
	if err != nil {
		return fmt.Errorf("admin: sign out: %w", err)
	}
	return nil
}

// revokeAll ends every session of a staff member but keep (a session id, or "" for none) and
// returns how many it ended.
func (s sessions) revokeAll(ctx context.Context, staffID int64, keep string) (int, error) {
	set := staffSessionsKey(staffID)
	hashes, err := s.rdb.SMembers(ctx, set).Result()
	if err != nil {
		return 0, fmt.Errorf("admin: revoke sessions: %w", err)
	}
	var keys []string
	var gone []any
	for _, h := range hashes {
		if keep != "" && h == sessionHash(keep) {
			continue
		}
		keys, gone = append(keys, keyPrefix+"session:"+h), append(gone, h)
	}
	if len(keys) == 0 {
		return 0, nil
	}
	var n *redis.IntCmd
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		n = p.Del(ctx, keys...)
		p.SRem(ctx, set, gone...)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("admin: revoke sessions: %w", err)
	}
	return int(n.Val()), nil
}

// Sessions are stored under a hash of their id, so that a Redis dump hands out no live cookie.
func sessionHash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

func sessionKey(id string) string           { return keyPrefix + "session:" + sessionHash(id) }
func staffSessionsKey(staffID int64) string { return fmt.Sprintf("%ssessions:%d", keyPrefix, staffID) }
