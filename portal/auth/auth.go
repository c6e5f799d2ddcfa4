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
	"net"
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

// Anti-pumping and anti-lockout rules (issue #9). Each client address has its own budget of codes
// and tries on a phone, so that nobody can spend the owner's; the per-phone ceilings bound what the
// bureau pays for texts and how long a brute force may run.
const (
	// codeMaxWrong is how many wrong tries, from all clients together, end a code: 20 guesses at a
	// million codes.
	codeMaxWrong = 20
	// codesPerPhoneDay is how many codes one phone gets in any 24 hours (rolling), whoever asks.
	codesPerPhoneDay = 10
	codeDayWindow    = 24 * time.Hour
)

// The rules as the pages and the API tell them to the customer.
const (
	// CodeTTL is how long a sign-in or binding code is good for.
	CodeTTL = codeTTL
	// CodeMaxTries is how many tries one client gets on one code; more are refused, but the code
	// stays good for the others until CodeMaxWrong wrong tries in all.
	CodeMaxTries = codeMaxTries
	// CodeMaxWrong is how many wrong tries from all clients together end a code.
	CodeMaxWrong = codeMaxWrong
	// CodesPerPhoneDay is how many codes one phone gets in any 24 hours.
	CodesPerPhoneDay = codesPerPhoneDay
	// ResendAfter is how soon one client may ask for another code for one phone.
	ResendAfter = time.Minute
	// SessionTTL is how long a session lives.
	SessionTTL = sessionTTL
)

// Rate limits: per phone and client address, per client address, and on code checks. The
// per-phone ones are kept per (phone, client) so that another address cannot use them up; the
// per-phone daily cap (codesPerPhoneDay) bounds the cost across all clients.
var (
	limitCodePerPhoneMinute = web.PerMinute(1) // one a minute: ResendAfter
	limitCodePerPhoneHour   = web.PerHour(5)
	limitCodePerIP          = web.PerHour(20)
	limitCheckPerIP         = web.PerHour(30)
	limitBindPerAccountHour = web.PerHour(10) // above one requester's 5, so one cannot use it up
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
		return &web.InputError{Key: "login.phone_not_mobile", Field: "phone",
			Kind: fmt.Errorf("auth: send code: phone: %w", billing.ErrInvalid)}
	}
	client := clientKey(clientIP)
	if err := a.limiter.AllowAll(ctx,
		web.Rule{Key: "code:ip:" + client, Limit: limitCodePerIP},
		web.Rule{Key: "code:phone:m:" + phone + ":" + client, Limit: limitCodePerPhoneMinute},
		web.Rule{Key: "code:phone:h:" + phone + ":" + client, Limit: limitCodePerPhoneHour}); err != nil {
		return err
	}
	if err := a.allowPhoneToday(ctx, "login", phone); err != nil {
		return err
	}
	return a.issueCode(ctx, "login:"+phone, phone, notify.OTP, nil)
}

// SendBindCode sends a code to the registered phone of accountNo so that the holder of phone may
// bind the account: whoever holds the account's own phone says yes by passing the code on.
//
// The rate limits come first, and only then does target look the account up and return its
// registered phone. An account that does not exist (target says billing.ErrNotFound) is answered
// like one that does, with nil, no message and a code nobody knows, so that nobody can tell account
// numbers that exist from those that do not. Past the registered phone's daily cap nothing is sent
// either, alike.
func (a *Auth) SendBindCode(ctx context.Context, phone, accountNo, clientIP string, target func(context.Context) (string, error)) error {
	client := clientKey(clientIP)
	if err := a.limiter.AllowAll(ctx,
		web.Rule{Key: "code:ip:" + client, Limit: limitCodePerIP},
		web.Rule{Key: "bind:phone:m:" + phone, Limit: limitCodePerPhoneMinute},
		web.Rule{Key: "bind:phone:h:" + phone, Limit: limitCodePerPhoneHour},
		web.Rule{Key: "bind:account:h:" + accountNo, Limit: limitBindPerAccountHour}); err != nil {
		return err
	}
	purpose := "bind:" + phone + ":" + accountNo
	registeredPhone, err := target(ctx)
	if errors.Is(err, billing.ErrNotFound) {
		return a.storeDecoyCode(ctx, purpose)
	}
	if err != nil {
		return err
	}
	var tooMany *web.TooManyRequests
	if err := a.allowPhoneToday(ctx, "bind", registeredPhone); errors.As(err, &tooMany) {
		return a.storeDecoyCode(ctx, purpose)
	} else if err != nil {
		return err
	}
	return a.issueCode(ctx, "bind:"+phone+":"+accountNo, registeredPhone, notify.BindCode, notify.Params{notify.ParamAccount: accountNo})
}

// storeDecoyCode stores, under purpose, a code that matches no 6 digits and is sent to nobody, as
// issueCode stores a real one: guesses at it then count and are refused just as at a real code,
// so that the binding step cannot tell a missing account from an existing one either.
func (a *Auth) storeDecoyCode(ctx context.Context, purpose string) error {
	key := keyPrefix + "otp:" + purpose
	_, err := a.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, key)
		p.HSet(ctx, key, "h", codeHash(purpose, "decoy:"+web.NewToken()), "tries", 0)
		p.Expire(ctx, key, codeTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("auth: send code: %w", err)
	}
	return nil
}

// allowPhoneToday counts one code of kind ("login" or "bind") to phone against its daily cap:
// codesPerPhoneDay in any 24 hours by the injected clock. Past the cap it says so, and when the
// oldest code of the window leaves it. The kinds are counted apart, so that binding codes asked
// for by others cannot use up the phone's own sign-in codes.
func (a *Auth) allowPhoneToday(ctx context.Context, kind, phone string) error {
	now := a.now().UnixMilli()
	wait, err := dailyCapScript.Run(ctx, a.rdb, []string{keyPrefix + "otp:sent:" + kind + ":" + phone},
		now, codeDayWindow.Milliseconds(), codesPerPhoneDay, strconv.FormatInt(now, 10)+":"+web.NewToken()).Int64()
	if err != nil {
		return fmt.Errorf("auth: send code: daily cap: %w", err)
	}
	if wait > 0 {
		d := time.Duration(wait) * time.Millisecond
		return &web.InputError{Key: "login.daily_cap", Args: []any{int(max(1, (d+time.Hour-1)/time.Hour))},
			Kind: &web.TooManyRequests{What: "codes per phone per day", RetryAfter: d}}
	}
	return nil
}

// dailyCapScript keeps the send times of one phone's codes in a sorted set: it drops those older
// than the window, refuses past the cap with the milliseconds until the oldest leaves the window,
// else records this one and returns 0.
var dailyCapScript = redis.NewScript(`
local now, window, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= cap then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
return 0
`)

// clientKey is what counts as one client in the limits: its IPv4 address, or the /64 network of
// an IPv6 one, since anyone holds a whole /64 and can change addresses inside it at will.
func clientKey(ip string) string {
	a := net.ParseIP(ip)
	if a == nil || a.To4() != nil {
		return ip
	}
	return a.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// CheckBindCode checks a binding code like a sign-in code: tries counted, single use.
func (a *Auth) CheckBindCode(ctx context.Context, phone, accountNo, code, clientIP string) error {
	if len(code) != 6 {
		return fmt.Errorf("auth: bind: code: %w", billing.ErrInvalid)
	}
	client := clientKey(clientIP)
	if err := a.limiter.Allow(ctx, web.Rule{Key: "check:ip:" + client, Limit: limitCheckPerIP}); err != nil {
		return err
	}
	return a.checkCode(ctx, "bind:"+phone+":"+accountNo, code, client)
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
	if _, err := a.sms.Send(ctx, msg); err != nil {
		return fmt.Errorf("auth: send code: %w", err)
	}
	return nil
}

// checkCode counts a try of client on the code stored under purpose and compares: nil when right
// (the code is then gone), unauthorized when wrong or absent, too many requests when this client
// has had its tries (until the code expires; it stays good for other clients).
func (a *Auth) checkCode(ctx context.Context, purpose, code, client string) error {
	res, err := checkCodeScript.Run(ctx, a.rdb, []string{keyPrefix + "otp:" + purpose},
		codeHash(purpose, code), codeMaxTries, codeMaxWrong, "tries:"+client).Int64()
	if err != nil {
		return fmt.Errorf("auth: check code: %w", err)
	}
	switch {
	case res == 1:
		return nil
	case res < -1: // -2 - the code's remaining milliseconds
		d := max(time.Duration(-2-res)*time.Millisecond, time.Second)
		return &web.InputError{Key: "login.too_many", Args: []any{int((d + time.Minute - 1) / time.Minute)},
			Kind: &web.TooManyRequests{What: "code tries", RetryAfter: d}}
	default:
		return &web.InputError{Key: "login.wrong_code", Kind: fmt.Errorf("auth: wrong or expired code: %w", billing.ErrUnauthorized)}
	}
}

func codeHash(purpose, code string) string {
	sum := sha256.Sum256([]byte(purpose + ":" + code))
	return hex.EncodeToString(sum[:])
}

// checkCodeScript counts a try and compares, atomically, so that a code is used at most once, each
// client (field ARGV[4]) tries it at most ARGV[2] times, and ARGV[3] wrong tries from all clients
// end it. Results: 1 right, 0 wrong, -1 no code (or just ended), -2-ms this client has had its
// tries and the code lives ms more milliseconds.
var checkCodeScript = redis.NewScript(`
local h = redis.call('HGET', KEYS[1], 'h')
if not h then return -1 end
if tonumber(redis.call('HGET', KEYS[1], ARGV[4]) or '0') >= tonumber(ARGV[2]) then
  return -2 - math.max(0, redis.call('PTTL', KEYS[1]))
end
redis.call('HINCRBY', KEYS[1], ARGV[4], 1)
if h == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
if redis.call('HINCRBY', KEYS[1], 'wrong', 1) >= tonumber(ARGV[3]) then redis.call('DEL', KEYS[1]) return -1 end
return 0
`)

// SignIn checks a code and opens a session. A wrong or expired code is unauthorized; a client's
// sixth try on one code is refused, and the twentieth wrong try from all clients ends the code.
func (a *Auth) SignIn(ctx context.Context, phone, code, clientIP string) (Session, error) {
	if !billing.ValidPhone(phone) || len(code) != 6 {
		return Session{}, fmt.Errorf("auth: sign in: phone or code: %w", billing.ErrInvalid)
	}
	client := clientKey(clientIP)
	if err := a.limiter.Allow(ctx, web.Rule{Key: "check:ip:" + client, Limit: limitCheckPerIP}); err != nil {
		return Session{}, err
	}
	if err := a.checkCode(ctx, "login:"+phone, code, client); err != nil {
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
