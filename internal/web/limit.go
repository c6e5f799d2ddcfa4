package web

import (
	"fmt"
	"time"
)

// TooManyRequests is the error of a request refused by a rate limit or a lockout; RetryAfter tells
// the client when to come back (the Retry-After header and the message say it).
type TooManyRequests struct {
	What       string // which limit, for the log
	RetryAfter time.Duration
}

func (e *TooManyRequests) Error() string {
	return fmt.Sprintf("too many requests (%s): retry after %s", e.What, e.RetryAfter)
}

// RetrySeconds is RetryAfter in whole seconds, at least 1.
func (e *TooManyRequests) RetrySeconds() int {
	return max(1, int((e.RetryAfter+time.Second-1)/time.Second))
}
