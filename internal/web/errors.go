package web

import (
	"errors"
	"net/http"

	"gridpay/internal/billing"
)

// Kind maps an error to its HTTP status and a short kind name that user-facing messages are keyed
// by ("invalid", "unauthorized", "forbidden", "not_found", "conflict", "too_many", "too_large",
// "internal"). The error itself, with its internals, is for the log only.
func Kind(err error) (status int, kind string) {
	var tooMany *TooManyRequests
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooMany):
		return http.StatusTooManyRequests, "too_many"
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, "too_large"
	case errors.Is(err, billing.ErrInvalid):
		return http.StatusBadRequest, "invalid"
	case errors.Is(err, billing.ErrUnauthorized):
		return http.StatusUnauthorized, "unauthorized"
	case errors.Is(err, billing.ErrForbidden):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, billing.ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, billing.ErrConflict):
		return http.StatusConflict, "conflict"
	default:
		return http.StatusInternalServerError, "internal"
	}
}
