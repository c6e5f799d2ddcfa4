package notify_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"gridpay/internal/billing"
	"gridpay/notify"
)

func TestPermanent(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"a network error", fmt.Errorf("dial: %w", context.DeadlineExceeded), false},
		{"a transient failure", &notify.Failure{Channel: "tencent", Code: "LimitExceeded.PhoneNumberOneHourLimit"}, false},
		{"a permanent failure", &notify.Failure{Channel: "tencent", Code: "InvalidParameterValue.IncorrectPhoneNumber", Permanent: true}, true},
		{"a permanent failure, wrapped", fmt.Errorf("worker: %w", &notify.Failure{Code: "AuthFailure.SecretIdNotFound", Permanent: true}), true},
		{"an invalid message", fmt.Errorf("notify: %w", billing.ErrInvalid), true},
		{"no template for the kind", fmt.Errorf("tencent: %w", notify.ErrNoTemplate), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := notify.Permanent(tc.err); got != tc.want {
				t.Errorf("Permanent(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
	f := &notify.Failure{Channel: "tencent", Code: "InternalError.Timeout", Detail: "gateway busy"}
	if got := notify.FailureCode(fmt.Errorf("x: %w", f)); got != "InternalError.Timeout" {
		t.Errorf("FailureCode = %q", got)
	}
	if got := notify.FailureCode(errors.New("plain")); got != "" {
		t.Errorf("FailureCode(plain) = %q", got)
	}
}
