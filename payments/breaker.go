package payments

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"gridpay/internal/billing"
)

// Breaker defaults: three failures in a row open a channel's breaker for 30 seconds, and a customer
// waits at most 5 seconds for a provider's code before the attempt counts as failed.
const (
	BreakerFailures   = 3
	BreakerCooldown   = 30 * time.Second
	PrecreateDeadline = 5 * time.Second
)

// ChannelDownError is a channel whose provider cannot take orders now: it failed several times in a
// row and its breaker is open, or it failed this time. The customer is told to come back after
// RetryAfter or to pay through another channel; the order stays CREATED, and asking again reuses it.
type ChannelDownError struct {
	Channel    string
	RetryAfter time.Duration
	Err        error // what the provider last did, for the log
}

func (e *ChannelDownError) Error() string {
	return fmt.Sprintf("payments: channel %s is down (retry after %s): %v", e.Channel, e.RetryAfter, e.Err)
}

// Unwrap gives the error's kind, billing.ErrUnavailable, and the provider's error.
func (e *ChannelDownError) Unwrap() []error { return []error{billing.ErrUnavailable, e.Err} }

// RetrySeconds is RetryAfter in whole seconds, at least 1 (the Retry-After header).
func (e *ChannelDownError) RetrySeconds() int {
	s := int((e.RetryAfter + time.Second - 1) / time.Second)
	return max(s, 1)
}

// errBreakerOpen is the provider's error while its breaker keeps calls from it.
var errBreakerOpen = errors.New("breaker open: the provider failed repeatedly")

// Breaker is a circuit breaker for one channel's provider, shared by everything in the process that
// calls it (ordering, the active query, closing, reconciliation). After failures calls in a row fail
// for reasons of the provider's (unreachable, hanging, 5xx, an answer that does not verify), it opens:
// for cooldown every call is refused at once, so that customers are not each kept waiting for a
// provider that is down. Then one call is let through as a probe; its success closes the breaker,
// its failure opens it again. Answers that are the caller's fault (an invalid order, an order the
// provider does not know) are not the provider's failures.
type Breaker struct {
	channel  string
	failures int
	cooldown time.Duration
	deadline time.Duration // how long a precreate may take
	now      func() time.Time

	mu        sync.Mutex
	streak    int       // failures in a row
	openUntil time.Time // zero when closed
	probing   bool      // a probe call is out
}

// NewBreaker returns a closed breaker for channel.
func NewBreaker(channel string, failures int, cooldown time.Duration, now func() time.Time) *Breaker {
	return &Breaker{channel: channel, failures: max(failures, 1), cooldown: cooldown, deadline: PrecreateDeadline, now: now}
}

// WithDeadline sets how long a precreate through the breaker may take (PrecreateDeadline by
// default) and returns the breaker.
func (b *Breaker) WithDeadline(d time.Duration) *Breaker {
	b.deadline = d
	return b
}

// Channel is the channel the breaker guards.
func (b *Breaker) Channel() string { return b.channel }

// BreakerState is how a breaker stands.
type BreakerState string

// Breaker states.
const (
	BreakerClosed   BreakerState = "closed"    // calls go through
	BreakerOpen     BreakerState = "open"      // calls are refused until the cooldown ends
	BreakerHalfOpen BreakerState = "half_open" // the cooldown ended: the next call is a probe
)

// State says how the breaker stands now.
func (b *Breaker) State() BreakerState {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.openUntil.IsZero():
		return BreakerClosed
	case b.now().Before(b.openUntil) || b.probing:
		return BreakerOpen
	default:
		return BreakerHalfOpen
	}
}

// Up reports whether the channel takes orders now, as far as the breaker knows: closed, or due a
// probe. The pages offer only the channels that are up.
func (b *Breaker) Up() bool { return b.State() != BreakerOpen }

// allow reports whether a call may go to the provider; when not, how long until one may. A call
// let through after the cooldown is the probe: others wait for its answer.
func (b *Breaker) allow() (time.Duration, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.openUntil.IsZero() {
		return 0, true
	}
	now := b.now()
	if now.Before(b.openUntil) {
		return b.openUntil.Sub(now), false
	}
	if b.probing {
		return time.Second, false
	}
	b.probing = true
	return 0, true
}

// record takes the outcome of a call the breaker allowed.
func (b *Breaker) record(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
	if !providerFailed(err) {
		b.streak, b.openUntil = 0, time.Time{}
		return
	}
	b.streak++
	if b.streak >= b.failures || !b.openUntil.IsZero() { // a failed probe opens it again
		b.openUntil = b.now().Add(b.cooldown)
	}
}

// providerFailed tells a provider's failure from an answer: no error, the caller going away, or a
// refusal of what was asked (invalid, not found, conflict) is the provider working.
func providerFailed(err error) bool {
	switch {
	case err == nil, errors.Is(err, context.Canceled),
		errors.Is(err, billing.ErrInvalid), errors.Is(err, billing.ErrNotFound), errors.Is(err, billing.ErrConflict):
		return false
	}
	return true
}

// Guard returns p with its calls to the provider (Precreate, Query, Close) through b. A precreate
// waits at most the breaker's deadline (PrecreateDeadline), since a customer waits on it; a refused or failed one is a
// *ChannelDownError. Callbacks are the provider calling us and are never refused.
func Guard(p Provider, b *Breaker) Provider { return &guarded{Provider: p, b: b} }

type guarded struct {
	Provider
	b *Breaker
}

// Unguarded returns the provider inside a guard, or p itself.
func Unguarded(p Provider) Provider {
	if g, ok := p.(*guarded); ok {
		return g.Provider
	}
	return p
}

// BreakerOf returns the breaker guarding p, or nil when p is not guarded.
func BreakerOf(p Provider) *Breaker {
	if g, ok := p.(*guarded); ok {
		return g.b
	}
	return nil
}

func (g *guarded) Precreate(ctx context.Context, o ProviderOrder) (Precreated, error) {
	wait, ok := g.b.allow()
	if !ok {
		return Precreated{}, &ChannelDownError{Channel: g.b.channel, RetryAfter: wait, Err: errBreakerOpen}
	}
	ctx, cancel := context.WithTimeout(ctx, g.b.deadline)
	defer cancel()
	pre, err := g.Provider.Precreate(ctx, o)
	g.b.record(err)
	if providerFailed(err) {
		return pre, &ChannelDownError{Channel: g.b.channel, RetryAfter: g.retryAfter(), Err: err}
	}
	return pre, err
}

func (g *guarded) Query(ctx context.Context, outTradeNo string) (QueryResult, error) {
	wait, ok := g.b.allow()
	if !ok {
		return QueryResult{}, &ChannelDownError{Channel: g.b.channel, RetryAfter: wait, Err: errBreakerOpen}
	}
	r, err := g.Provider.Query(ctx, outTradeNo)
	g.b.record(err)
	return r, err
}

func (g *guarded) Close(ctx context.Context, outTradeNo string) error {
	wait, ok := g.b.allow()
	if !ok {
		return &ChannelDownError{Channel: g.b.channel, RetryAfter: wait, Err: errBreakerOpen}
	}
	err := g.Provider.Close(ctx, outTradeNo)
	g.b.record(err)
	return err
}

// PrecreatePhone places an order for paying in the phone's browser through the breaker, as
// Precreate does; a provider that cannot take such orders answers billing.ErrInvalid.
func (g *guarded) PrecreatePhone(ctx context.Context, o ProviderOrder, c PhoneClient) (string, error) {
	pp, ok := g.Provider.(PhonePayer)
	if !ok {
		return "", fmt.Errorf("payments: channel %s takes no payment in a phone's browser: %w", g.b.channel, billing.ErrInvalid)
	}
	wait, ok := g.b.allow()
	if !ok {
		return "", &ChannelDownError{Channel: g.b.channel, RetryAfter: wait, Err: errBreakerOpen}
	}
	ctx, cancel := context.WithTimeout(ctx, g.b.deadline)
	defer cancel()
	u, err := pp.PrecreatePhone(ctx, o, c)
	g.b.record(err)
	if providerFailed(err) {
		return "", &ChannelDownError{Channel: g.b.channel, RetryAfter: g.retryAfter(), Err: err}
	}
	return u, err
}

// PrecreateJSAPI places an order for paying inside the provider's app through the breaker, as
// Precreate does; a provider that cannot answers billing.ErrInvalid.
func (g *guarded) PrecreateJSAPI(ctx context.Context, o ProviderOrder, openID string) (JSAPIRequest, error) {
	jp, ok := g.Provider.(JSAPIPayer)
	if !ok {
		return JSAPIRequest{}, fmt.Errorf("payments: channel %s takes no payment inside its app: %w", g.b.channel, billing.ErrInvalid)
	}
	wait, ok := g.b.allow()
	if !ok {
		return JSAPIRequest{}, &ChannelDownError{Channel: g.b.channel, RetryAfter: wait, Err: errBreakerOpen}
	}
	ctx, cancel := context.WithTimeout(ctx, g.b.deadline)
	defer cancel()
	req, err := jp.PrecreateJSAPI(ctx, o, openID)
	g.b.record(err)
	if providerFailed(err) {
		return JSAPIRequest{}, &ChannelDownError{Channel: g.b.channel, RetryAfter: g.retryAfter(), Err: err}
	}
	return req, err
}

// VerifyCallback is the provider's own: callbacks are taken whatever the breaker says.
func (g *guarded) VerifyCallback(ctx context.Context, header http.Header, body []byte) (Notification, error) {
	return g.Provider.VerifyCallback(ctx, header, body)
}

// retryAfter is how long a customer is told to wait after a failed precreate: the cooldown when
// the breaker has opened, else a few seconds.
func (g *guarded) retryAfter() time.Duration {
	g.b.mu.Lock()
	defer g.b.mu.Unlock()
	if !g.b.openUntil.IsZero() {
		if d := g.b.openUntil.Sub(g.b.now()); d > 0 {
			return d
		}
	}
	return 5 * time.Second
}
