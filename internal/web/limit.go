package web

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// TooManyRequests is the error of a request refused by a rate limit or a lockout; RetryAfter tells
// the client when to come back (the Retry-After header and the message say it).
type TooManyRequests struct {
	What       string // which limit, for the log
	RetryAfter time.Duration
}

// Error says which limit refused and for how long, for the log.
func (e *TooManyRequests) Error() string {
	return fmt.Sprintf("too many requests (%s): retry after %s", e.What, e.RetryAfter)
}

// RetrySeconds is RetryAfter in whole seconds, at least 1.
func (e *TooManyRequests) RetrySeconds() int {
	return max(1, int((e.RetryAfter+time.Second-1)/time.Second))
}

// Limiter counts requests against rate limits kept in Redis, so that every web process shares them.
type Limiter struct {
	l *redis_rate.Limiter
}

// NewLimiter returns a limiter keeping its counts in rdb.
func NewLimiter(rdb redis.UniversalClient) *Limiter {
	return &Limiter{l: redis_rate.NewLimiter(rdb)}
}

// PerMinute is a limit of n requests a minute, which may all come at once.
func PerMinute(n int) redis_rate.Limit {
	return redis_rate.Limit{Rate: n, Burst: n, Period: time.Minute}
}

// PerHour is a limit of n requests an hour, which may all come at once.
func PerHour(n int) redis_rate.Limit {
	return redis_rate.Limit{Rate: n, Burst: n, Period: time.Hour}
}

// Rule is one rate limit on one key, e.g. sign-in codes per phone.
type Rule struct {
	Key   string // what is counted, e.g. "code:phone:m:13800138000"
	Limit redis_rate.Limit
}

// Allow takes one token from rule, or says when to come back with a *TooManyRequests.
func (l *Limiter) Allow(ctx context.Context, rule Rule) error {
	res, err := l.l.Allow(ctx, "gridpay:rate:"+rule.Key, rule.Limit)
	if err != nil {
		return fmt.Errorf("web: rate limit: %w", err)
	}
	if res.Allowed == 0 {
		return &TooManyRequests{What: rule.Key, RetryAfter: res.RetryAfter}
	}
	return nil
}

// AllowAll takes a token from every rule in order, stopping at the first that refuses.
func (l *Limiter) AllowAll(ctx context.Context, rules ...Rule) error {
	for _, r := range rules {
		if err := l.Allow(ctx, r); err != nil {
			return err
		}
	}
	return nil
}
