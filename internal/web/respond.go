package web

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// HandlerFunc is a handler that returns its failure instead of answering it, as pkgsite's do: the
// adapter that registered it (API.Handle or Pages.Handle) turns the error into the response, so
// that every failure is answered, and logged, in one place. A middleware returns nil to let the
// request go on; one that answers by itself (a redirect) aborts the context.
type HandlerFunc func(c *gin.Context) error

// internalMessage is what the customer reads when even the error page cannot be shown.
const internalMessage = "系统繁忙，请稍后再试。 Something went wrong; please try again later."

// API answers the JSON API's failures: {"error":{"code":kind,"message":msg}} with the kind's
// status, "field" when the error names the field to correct, Retry-After on 429 and on a 503 that
// says when to come back.
type API struct {
	log *slog.Logger
}

// NewAPI returns the JSON API's adapter; failures are logged to log.
func NewAPI(log *slog.Logger) *API { return &API{log: log} }

// Handle adapts h for gin: a returned error becomes the JSON error.
func (a *API) Handle(h HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			a.Error(c, err)
		}
	}
}

// Error answers a failed API call in the caller's language and stops the request there.
func (a *API) Error(c *gin.Context, err error) {
	status, kind := Kind(err)
	logFailure(a.log, c, status, err)
	if c.Writer.Written() {
		c.Abort()
		return
	}
	retryAfter(c, err)
	body := gin.H{"code": kind, "message": Message(Lang(c), err)}
	var in *InputError
	if errors.As(err, &in) && in.Field != "" {
		body["field"] = in.Field
	}
	c.AbortWithStatusJSON(status, gin.H{"error": body})
}

// Form is a page with a form that can be shown again with a message saying what to correct.
type Form interface {
	SetError(message string)
}

// Pages answers the server-rendered pages: it renders them and answers their failures with the
// error page, or with the form shown again, in the customer's language.
type Pages struct {
	log       *slog.Logger
	templates *Templates
	errorPage func(c *gin.Context, message string) any
}

// NewPages returns the pages' adapter. errorPage makes the data of the "error" page, which says
// message.
func NewPages(log *slog.Logger, templates *Templates, errorPage func(c *gin.Context, message string) any) *Pages {
	return &Pages{log: log, templates: templates, errorPage: errorPage}
}

// Handle adapts h for gin: a returned error becomes the error page.
func (p *Pages) Handle(h HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			p.Error(c, err)
		}
	}
}

// Render writes page name with data and status; a failure is returned for the error path.
func (p *Pages) Render(c *gin.Context, status int, name string, data any) error {
	return p.templates.Render(c, status, name, data)
}

// Error answers a failed page request with the error page in the customer's language and stops the
// request there.
func (p *Pages) Error(c *gin.Context, err error) {
	status, _ := Kind(err)
	logFailure(p.log, c, status, err)
	c.Abort()
	if c.Writer.Written() {
		return
	}
	retryAfter(c, err)
	if rerr := p.templates.Render(c, status, "error", p.errorPage(c, Message(Lang(c), err))); rerr != nil {
		logFailure(p.log, c, http.StatusInternalServerError, rerr)
		c.String(http.StatusInternalServerError, internalMessage)
	}
}

// Form shows the form page name again with data, which holds what the customer sent, and the
// message of err above it, with err's status. A failure of ours (5xx) is not the customer's to
// correct: Form returns it for the error page instead.
func (p *Pages) Form(c *gin.Context, name string, data Form, err error) error {
	status, _ := Kind(err)
	if status >= http.StatusInternalServerError {
		return err
	}
	logFailure(p.log, c, status, err)
	retryAfter(c, err)
	data.SetError(Message(Lang(c), err))
	return p.templates.Render(c, status, name, data)
}

// retryAfter tells a client when to come back: after a rate limit (*TooManyRequests), or when what
// it asked for is down for a while (a payment channel's *payments.ChannelDownError): any error in
// err's chain that says how many seconds to wait.
func retryAfter(c *gin.Context, err error) {
	var wait interface{ RetrySeconds() int }
	if errors.As(err, &wait) {
		c.Header("Retry-After", strconv.Itoa(wait.RetrySeconds()))
	}
}

// logFailure is the one place a failed request is logged: a 5xx with its internals as an error, a
// refusal (4xx) as information. The customer sees neither.
func logFailure(log *slog.Logger, c *gin.Context, status int, err error) {
	if status >= http.StatusInternalServerError {
		log.Error("request failed", "request_id", c.GetString("request_id"), "route", c.FullPath(), "err", err)
		return
	}
	log.Info("request refused", "request_id", c.GetString("request_id"), "route", c.FullPath(), "status", status, "err", err)
}
