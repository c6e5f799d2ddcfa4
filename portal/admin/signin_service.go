package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/redis/go-redis/v9"

	"gridpay/internal/billing"
	"gridpay/internal/staff"
	"gridpay/internal/store"
	"gridpay/internal/web"
)

// Sign-in rules: a username is locked for the rest of a quarter hour after five wrong passwords or
// codes in it, whoever sent them; one client address gets 60 tries an hour across all usernames.
const (
	MaxFailures   = 5
	FailureWindow = 15 * time.Minute
	// totpPeriod and totpSkew: a code of the 30-second step before or after is accepted too, for a
	// phone whose clock is a little off.
	totpPeriod = 30
	totpSkew   = 1
)

var limitSignInPerIP = web.PerHour(60)

// wrongSignIn is a refused username, password or code: the same message for each, so that it does
// not say which was wrong.
func wrongSignIn(field string) error {
	return &web.InputError{Field: field, Key: "admin.login.wrong", Kind: billing.ErrUnauthorized}
}

// signIns checks passwords and second factors, and locks usernames that collect failures.
type signIns struct {
	staff   *store.Portal
	rdb     redis.UniversalClient
	limiter *web.Limiter
	now     func() time.Time
}

func failuresKey(username string) string { return keyPrefix + "failures:" + username }

// locked refuses a username with MaxFailures failures in the current window.
func (s signIns) locked(ctx context.Context, username string) error {
	n, err := s.rdb.Get(ctx, failuresKey(username)).Int()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("admin: sign in: %w", err)
	}
	if n < MaxFailures {
		return nil
	}
	ttl, err := s.rdb.TTL(ctx, failuresKey(username)).Result()
	if err != nil {
		return fmt.Errorf("admin: sign in: %w", err)
	}
	wait := max(ttl, time.Second)
	return &web.InputError{Key: "admin.login.locked", Args: []any{int((wait + time.Minute - 1) / time.Minute)},
		Kind: &web.TooManyRequests{What: "staff sign-in " + username, RetryAfter: wait}}
}

// fail counts a failure against username; the window starts at the first.
func (s signIns) fail(ctx context.Context, username string) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, failuresKey(username))
		p.ExpireNX(ctx, failuresKey(username), FailureWindow)
		return nil
	})
	if err != nil {
		return fmt.Errorf("admin: sign in: %w", err)
	}
	return nil
}

// password checks a username and password from clientIP and returns the account. Every refusal
// looks the same to the caller; a disabled account is refused like a wrong password.
func (s signIns) password(ctx context.Context, username, password, clientIP string) (store.Staff, error) {
	if err := s.limiter.Allow(ctx, web.Rule{Key: "staff-signin:ip:" + clientIP, Limit: limitSignInPerIP}); err != nil {
		return store.Staff{}, err
	}
	username = strings.ToLower(strings.TrimSpace(username))
	if !staff.ValidUsername(username) || len(password) == 0 || len(password) > staff.MaxPassword {
		return store.Staff{}, wrongSignIn("username")
	}
	if err := s.locked(ctx, username); err != nil {
		return store.Staff{}, err
	}
	acct, err := s.staff.StaffByUsername(ctx, username)
	hash := acct.PasswordHash
	switch {
	case errors.Is(err, billing.ErrNotFound):
		hash = staff.UnmatchableHash
	case err != nil:
		return store.Staff{}, err
	}
	ok, err := staff.CheckPassword(hash, password)
	if err != nil && !errors.Is(err, staff.ErrMalformedHash) {
		return store.Staff{}, err
	}
	if !ok || acct.ID == 0 || acct.Disabled {
		if err := s.fail(ctx, username); err != nil {
			return store.Staff{}, err
		}
		return store.Staff{}, wrongSignIn("password")
	}
	s.rdb.Del(ctx, failuresKey(username))
	return acct, nil
}

// code checks a TOTP code against secret for acct. A code is good once: a code seen once is
// refused for as long as it could be valid, so that one read over a shoulder cannot be replayed.
// Wrong codes count towards the lockout like wrong passwords.
func (s signIns) code(ctx context.Context, acct store.Staff, secret, code string) error {
	if err := s.locked(ctx, acct.Username); err != nil {
		return err
	}
	code = strings.TrimSpace(code)
	ok := len(code) == 6
	if ok {
		var err error
		ok, err = totp.ValidateCustom(code, secret, s.now(), totp.ValidateOpts{Period: totpPeriod, Skew: totpSkew,
			Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		ok = ok && err == nil
	}
	if ok {
		fresh, err := s.rdb.SetNX(ctx, fmt.Sprintf("%stotp-used:%d:%s", keyPrefix, acct.ID, code), 1,
			time.Duration(2*totpSkew+1)*totpPeriod*time.Second).Result()
		if err != nil {
			return fmt.Errorf("admin: second factor: %w", err)
		}
		ok = fresh
	}
	if !ok {
		if err := s.fail(ctx, acct.Username); err != nil {
			return err
		}
		return wrongSignIn("code")
	}
	s.rdb.Del(ctx, failuresKey(acct.Username))
	return nil
}

// newTOTPSecret makes a secret for a staff member to enrol, named for their authenticator app.
func newTOTPSecret(issuer, username string) (*otp.Key, error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: username, Period: totpPeriod, SecretSize: 20,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, fmt.Errorf("admin: second factor: %w", err)
	}
	return k, nil
}

// nextStage is where a sign-in goes after the password, or after the step it has just finished.
func nextStage(acct store.Staff, after Stage) Stage {
	needsTOTP := acct.Role.NeedsTOTP()
	switch {
	case after == "" && needsTOTP && acct.TOTPSecret == "":
		return StageEnrol
	case after == "" && needsTOTP:
		return StageTOTP
	case after != StagePassword && acct.MustChangePassword:
		return StagePassword
	}
	return StageDone
}
