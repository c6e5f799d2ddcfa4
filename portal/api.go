package portal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/web"
)

// maxJSONBody bounds every JSON request body of the API.
const maxJSONBody = 4 << 10

// langCookie holds the customer's language choice.
const langCookie = "lang"

// lang is the caller's language: their choice, else their browser's, else Chinese.
func lang(c *gin.Context) i18n.Lang {
	cookie, _ := c.Cookie(langCookie)
	return i18n.Pick(cookie, c.GetHeader("Accept-Language"))
}

// decodeJSON reads a small JSON object into v, strictly: unknown fields, wrong types, trailing data
// and oversized bodies are invalid input, never half-read.
func decodeJSON(c *gin.Context, v any) error {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, maxJSONBody+1))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if len(body) > maxJSONBody {
		return &http.MaxBytesError{Limit: maxJSONBody}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("json body: %v: %w", err, billing.ErrInvalid)
	}
	if dec.More() {
		return fmt.Errorf("json body: trailing data: %w", billing.ErrInvalid)
	}
	return nil
}

// apiError answers an API call that failed: the status of its kind, a message in the caller's
// language, Retry-After when it is a rate limit; internals go to the log only.
func (h *Handler) apiError(c *gin.Context, err error) {
	status, kind := web.Kind(err)
	msg := web.Message(lang(c), err)
	var tooMany *web.TooManyRequests
	if errors.As(err, &tooMany) {
		c.Header("Retry-After", strconv.Itoa(tooMany.RetrySeconds()))
	}
	if status >= 500 {
		h.log.Error("request failed", "request_id", c.GetString("request_id"), "route", c.FullPath(), "err", err)
	} else {
		h.log.Info("request refused", "request_id", c.GetString("request_id"), "route", c.FullPath(), "status", status, "err", err)
	}
	c.AbortWithStatusJSON(status, gin.H{"error": gin.H{"code": kind, "message": msg}})
}
