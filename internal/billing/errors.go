package billing

import "errors"

// Error kinds used by the whole project. Wrap them with %w and the operation, and test with
// errors.Is; one function at the edge maps each kind to an HTTP status and a message.
var (
	// ErrNotFound means the thing asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalid means the input breaks a rule and retrying it unchanged cannot succeed.
	ErrInvalid = errors.New("invalid")
	// ErrConflict means the input clashes with the current state, such as a second posting.
	ErrConflict = errors.New("conflict")
	// ErrUnauthorized means the caller has not proved who they are.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden means the caller is known but may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrUnavailable means something outside that the request needs (a payment provider) cannot
	// serve it now; the same request may succeed later.
	ErrUnavailable = errors.New("unavailable")
)
