package web_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/web"
)

func TestKind(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
		kind   string
	}{
		{"invalid, wrapped twice", fmt.Errorf("portal: %w", fmt.Errorf("store: %w", billing.ErrInvalid)), 400, "invalid"},
		{"unauthorized", billing.ErrUnauthorized, 401, "unauthorized"},
		{"forbidden", billing.ErrForbidden, 403, "forbidden"},
		{"not found", fmt.Errorf("x: %w", billing.ErrNotFound), 404, "not_found"},
		{"conflict", billing.ErrConflict, 409, "conflict"},
		{"rate limited", fmt.Errorf("x: %w", &web.TooManyRequests{What: "otp", RetryAfter: time.Second}), 429, "too_many"},
		{"body too large", &http.MaxBytesError{Limit: 10}, 413, "too_large"},
		{"anything else is internal", errors.New("disk on fire"), 500, "internal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, kind := web.Kind(tc.err)
			if status != tc.status || kind != tc.kind {
				t.Errorf("Kind = %d %s, want %d %s", status, kind, tc.status, tc.kind)
			}
		})
	}
}

func TestRetrySeconds(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want int
	}{{0, 1}, {time.Millisecond, 1}, {time.Second, 1}, {1500 * time.Millisecond, 2}, {59 * time.Second, 59}} {
		if got := (&web.TooManyRequests{RetryAfter: tc.d}).RetrySeconds(); got != tc.want {
			t.Errorf("RetrySeconds(%s) = %d, want %d", tc.d, got, tc.want)
		}
	}
}
