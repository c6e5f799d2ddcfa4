// Package auth holds the customer rules that every HTTP area needs: sign-in by SMS code, sessions
// kept in Redis, and their revocation. The customer pages use it and so will the staff pages, which
// must not import the customer pages.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"gridpay/internal/billing"
	"gridpay/internal/web"
	"gridpay/notify"
)

// Sign-in rules (issue: sign-in by SMS code).
const (
	codeTTL      = 5 * time.Minute
	codeMaxTries = 5
	sessionTTL   = 12 * time.Hour
	keyPrefix    = "gridpay:"
)

// The rules as the pages and the API tell them to the customer.
const (
	// CodeTTL is how long a sign-in or binding code is good for.
	CodeTTL = codeTTL
	// CodeMaxTries is how many tries one code gets before it is gone.
	CodeMaxTries = codeMaxTries
	// ResendAfter is how soon one phone may ask for another code.
	ResendAfter = time.Minute
	// SessionTTL is how long a session lives.
	SessionTTL = sessionTTL
)

// Rate limits: per phone, per client address, and on code checks.
var (
	limitCodePerPhoneMinute = web.PerMinute(1) // one a minute: ResendAfter
	limitCodePerPhoneHour   = web.PerHour(5)
	limitCodePerIP          = web.PerHour(20)
	limitCheckPerIP         = web.PerHour(30)
)

// Auth signs customers in with a 6-digit SMS code and keeps their sessions in Redis, so that logout
// and revocation by staff take effect at once on every web process.
type Auth struct {
	rdb     redis.UniversalClient
	limiter *web.Limiter
	sms     notify.Channel
	now     func() time.Time
}

// New returns the sign-in service. Codes go out through sms.
func New(rdb redis.UniversalClient, sms notify.Channel, now func() time.Time) *Auth {
	return &Auth{rdb: rdb, limiter: web.NewLimiter(rdb), sms: sms, now: now}
}

// SendCode sends a new sign-in code to phone, replacing any earlier one. It behaves the same
// whether or not any account has this phone, so nobody can learn which phones are customers.
func (a *Auth) SendCode(ctx context.Context, phone, clientIP string) error {
	if !billing.ValidPhone(phone) {
		return fmt.Errorf("auth: send code: phone: %w", billing.ErrInvalid)
	}
	if err := a.limiter.AllowAll(ctx,
		web.Rule{Key: "code:ip:" + clientIP, Limit: limitCodePerIP},
		web.Rule{Key: "code:phone:m:" + phone, Limit: limitCodePerPhoneMinute},
		web.Rule{Key: "code:phone:h:" + phone, Limit: limitCodePerPhoneHour}); err != nil {
		return err
	}
	return a.issueCode(ctx, "login:"+phone, phone, notify.OTP, nil)
}

// SendBindCode sends a code to the registered phone of accountNo so that the holder of phone may
// bind the account: whoever holds the account's own phone says yes by passing the code on.
func (a *Auth) SendBindCode(ctx context.Context, phone, accountNo, registeredPhone, clientIP string) error {
	if err := a.limiter.AllowAll(ctx,
		web.Rule{Key: "code:ip:" + clientIP, Limit: limitCodePerIP},
		web.Rule{Key: "bind:phone:m:" + phone, Limit: limitCodePerPhoneMinute},
		web.Rule{Key: "bind:phone:h:" + phone, Limit: limitCodePerPhoneHour},
		web.Rule{Key: "bind:account:h:" + accountNo, Limit: limitCodePerPhoneHour}); err != nil {
		return err
	}
	return a.issueCode(ctx, "bind:"+phone+":"+accountNo, registeredPhone, notify.BindCode, notify.Params{notify.ParamAccount: accountNo})
}

// CheckBindCode checks a binding code like a sign-in code: tries counted, single use.
func (a *Auth) CheckBindCode(ctx context.Context, phone, accountNo, code, clientIP string) error {
	if len(code) != 6 {
		return fmt.Errorf("auth: bind: code: %w", billing.ErrInvalid)
	}
	if err := a.limiter.Allow(ctx, web.Rule{Key: "check:ip:" + clientIP, Limit: limitCheckPerIP}); err != nil {
		return err
	}
	return a.checkCode(ctx, "bind:"+phone+":"+accountNo, code)
}

// issueCode stores a new 6-digit code under purpose (replacing any earlier one) and texts it to
// `to` as a message of kind with params, to which it adds the code and the minutes it is valid.
func (a *Auth) issueCode(ctx context.Context, purpose, to string, kind notify.Kind, params notify.Params) error {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return fmt.Errorf("auth: send code: %w", err)
	}
	code := fmt.Sprintf("%06d", n.Int64())
	key := keyPrefix + "otp:" + purpose
	_, err = a.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, key)
		p.HSet(ctx, key, "h", codeHash(purpose, code), "tries", 0)
		p.Expire(ctx, key, codeTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("auth: send code: %w", err)
	}
	msg := notify.Message{Kind: kind, To: notify.To{Phone: to},
		Params: notify.Params{notify.ParamCode: code, notify.ParamMinutes: strconv.Itoa(int(codeTTL / time.Minute))}}
	maps.Copy(msg.Params, params)
	if err := a.sms.Send(ctx, msg); err != nil {
		return fmt.Errorf("auth: send code: %w", err)
	}
	return nil
}

// checkCode counts a try on the code stored under purpose and compares: nil when right (the code is
// then gone), unauthorized when wrong or absent, too many requests past the last try.
func (a *Auth) checkCode(ctx context.Context, purpose, code string) error {
	res, err := checkCodeScript.Run(ctx, a.rdb, []string{keyPrefix + "otp:" + purpose}, codeHash(purpose, code), codeMaxTries).Int()
	if err != nil {
		return fmt.Errorf("auth: check code: %w", err)
	}
	switch res {
	case 1:
		return nil
	case -2:
		return &web.TooManyRequests{What: "code tries", RetryAfter: time.Minute}
	default:
		return &web.InputError{Key: "login.wrong_code", Kind: fmt.Errorf("auth: wrong or expired code: %w", billing.ErrUnauthorized)}
	}
}

func codeHash(purpose, code string) string {
	sum := sha256.Sum256([]byte(purpose + ":" + code))
	return hex.EncodeToString(sum[:])
}

// checkCodeScript counts a try and compares, atomically, so that a code is used at most once and
// never tried more than codeMaxTries times. Results: 1 right, 0 wrong, -1 no code, -2 too many tries.
var checkCodeScript = redis.NewScript(`
local h = redis.call('HGET', KEYS[1], 'h')
if not h then return -1 end
local tries = redis.call('HINCRBY', KEYS[1], 'tries', 1)
if tries > tonumber(ARGV[2]) then redis.call('DEL', KEYS[1]) return -2 end
if h == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0
`)

// SignIn checks a code and opens a session. A wrong or expired code is unauthorized; the sixth try
// on one code is refused and the code is gone.
func (a *Auth) SignIn(ctx context.Context, phone, code, clientIP string) (Session, error) {
	if !billing.ValidPhone(phone) || len(code) != 6 {
		return Session{}, fmt.Errorf("auth: sign in: phone or code: %w", billing.ErrInvalid)
	}
	if err := a.limiter.Allow(ctx, web.Rule{Key: "check:ip:" + clientIP, Limit: limitCheckPerIP}); err != nil {
		return Session{}, err
	}
	if err := a.checkCode(ctx, "login:"+phone, code); err != nil {
		return Session{}, err
	}
	s := Session{ID: web.NewToken(), Phone: phone, CSRF: web.NewToken(), Created: a.now().UTC()}
	b, err := json.Marshal(s)
	if err != nil {
		return Session{}, fmt.Errorf("auth: sign in: %w", err)
	}
	_, err = a.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, sessionKey(s.ID), b, sessionTTL)
		p.SAdd(ctx, keyPrefix+"sessions:"+phone, sessionHash(s.ID))
		p.Expire(ctx, keyPrefix+"sessions:"+phone, sessionTTL)
		return nil
	})
	if err != nil {
		return Session{}, fmt.Errorf("auth: sign in: %w", err)
	}
	return s, nil
}

// Session returns the session of a cookie value; an unknown or ended one is unauthorized.
func (a *Auth) Session(ctx context.Context, id string) (Session, error) {
	if id == "" || len(id) > 64 {
		return Session{}, billing.ErrUnauthorized
	}
	b, err := a.rdb.Get(ctx, sessionKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return Session{}, billing.ErrUnauthorized
	}
	if err != nil {
		return Session{}, fmt.Errorf("auth: session: %w", err)
	}
	var s Session
	if err := json.Unmarshal(b, &s); err != nil {
		return Session{}, fmt.Errorf("auth: session: %w", err)
	}
	s.ID = id
	return s, nil
}

// SignOut ends one session.
func (a *Auth) SignOut(ctx context.Context, s Session) error {
	_, err := a.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, sessionKey(s.ID))
		p.SRem(ctx, keyPrefix+"sessions:"+s.Phone, sessionHash(s.ID))
		return nil
	})
	if err != nil {
		return fmt.Errorf("auth: sign out: %w", err)
	}
	return nil
}

// RevokeAll ends every session of a phone (staff revocation) and returns how many there were.
func (a *Auth) RevokeAll(ctx context.Context, phone string) (int, error) {
	set := keyPrefix + "sessions:" + phone
	hashes, err := a.rdb.SMembers(ctx, set).Result()
	if err != nil {
		return 0, fmt.Errorf("auth: revoke: %w", err)
	}
	keys := []string{set}
	for _, h := range hashes {
		keys = append(keys, keyPrefix+"session:"+h)
	}
	n, err := a.rdb.Del(ctx, keys...).Result()
	if err != nil {
		return 0, fmt.Errorf("auth: revoke: %w", err)
	}
	return int(max(n-1, 0)), nil
}

// Sessions are stored under a hash of their id, so a Redis dump does not hand out live cookies.
func sessionHash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

func sessionKey(id string) string { return keyPrefix + "session:" + sessionHash(id) }
