package web

import (
	"errors"
	"fmt"
	"net/http"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
)

// Kind maps an error to its HTTP status and a short kind name that user-facing messages are keyed
// by ("invalid", "unauthorized", "forbidden", "not_found", "conflict", "too_many", "too_large",
// "internal", "unsupported_media", "unavailable"). The error itself, with its internals, is for the log only.
func Kind(err error) (status int, kind string) {
	var tooMany *TooManyRequests
	var tooLarge *http.MaxBytesError
	var media *UnsupportedMediaType
	switch {
	case errors.As(err, &tooMany):
		return http.StatusTooManyRequests, "too_many"
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, "too_large"
	case errors.As(err, &media):
		return http.StatusUnsupportedMediaType, "unsupported_media"
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
	case errors.Is(err, billing.ErrUnavailable):
		return http.StatusServiceUnavailable, "unavailable"
	default:
		return http.StatusInternalServerError, "internal"
	}
}

// InputError is a request the customer can put right: a wrong code, a text too long, a photo of
// the wrong type. It carries the catalog key and arguments of the message that says what to put
// right, so that every route that meets it words it alike, and it wraps its Kind (billing.ErrInvalid,
// billing.ErrUnauthorized, billing.ErrConflict, an *http.MaxBytesError...) so that Kind maps its
// status.
type InputError struct {
	Key   string // catalog key of the message; "" means the kind's own message
	Args  []any  // the message's arguments
	Field string // the form field it is about, "" when it is about no one field
	Kind  error
}

// Error says what was wrong with the input, for the log.
func (e *InputError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("input %s: %s: %v", e.Field, e.Key, e.Kind)
	}
	return fmt.Sprintf("input: %s: %v", e.Key, e.Kind)
}

// Unwrap returns the error's kind.
func (e *InputError) Unwrap() error { return e.Kind }

// Message is what a customer reads about err, in lang: an InputError's own message, a rate limit's
// with the seconds to wait, else the generic message of the error's kind. Internals never show.
func Message(lang i18n.Lang, err error) string {
	var in *InputError
	if errors.As(err, &in) && in.Key != "" {
		return i18n.T(lang, in.Key, in.Args...)
	}
	var tooMany *TooManyRequests
	if errors.As(err, &tooMany) {
		return i18n.T(lang, "login.rate_limited", tooMany.RetrySeconds())
	}
	_, kind := Kind(err)
	return i18n.T(lang, "error."+kind)
}
