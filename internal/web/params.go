package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
)

// maxJSONBody bounds every JSON request body of the API.
const maxJSONBody = 4 << 10

// Paging limits: no one pages past the thousandth page or asks for more than 100 rows at once.
const (
	maxPage     = 1000
	maxPageSize = 100
)

// AccountNo reads the :no path parameter: an account number, or invalid input.
func AccountNo(c *gin.Context) (string, error) {
	no := c.Param("no")
	if !billing.ValidAccountNo(no) {
		return "", fmt.Errorf("web: account number %q: %w", truncate(no, 20), billing.ErrInvalid)
	}
	return no, nil
}

// PathID reads the path parameter name: a positive id, or invalid input.
func PathID(c *gin.Context, name string) (int64, error) {
	return ParseID(name, c.Param(name))
}

// ParseID reads a positive id from a query or form value; what names it in the error.
func ParseID(what, s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("web: %s %q: want a positive id: %w", what, truncate(s, 20), billing.ErrInvalid)
	}
	return id, nil
}

// OutTradeNo reads the :out path parameter: our order numbers are short plain identifiers.
func OutTradeNo(c *gin.Context) (string, error) {
	v := c.Param("out")
	if v == "" || len(v) > 32 || strings.Trim(v, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return "", fmt.Errorf("web: order number %q: %w", truncate(v, 40), billing.ErrInvalid)
	}
	return v, nil
}

// IntQuery reads an optional integer query parameter within [lo, hi]; def when it is absent.
func IntQuery(c *gin.Context, name string, def, lo, hi int) (int, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("web: query %s=%q: want %d to %d: %w", name, truncate(v, 20), lo, hi, billing.ErrInvalid)
	}
	return n, nil
}

// Paging is one page of a list: Page counts from 1, Size rows a page.
type Paging struct {
	Page, Size int
}

// Offset is how many rows come before the page.
func (p Paging) Offset() int { return (p.Page - 1) * p.Size }

// Pages is how many pages total rows make, at least one (an empty list is one empty page).
func (p Paging) Pages(total int) int { return max(1, (total+p.Size-1)/p.Size) }

// ParsePage reads ?page= (1 to 1000, default 1), for pages whose size is fixed.
func ParsePage(c *gin.Context, size int) (Paging, error) {
	page, err := IntQuery(c, "page", 1, 1, maxPage)
	if err != nil {
		return Paging{}, err
	}
	return Paging{Page: page, Size: size}, nil
}

// ParsePaging reads ?page= (1 to 1000, default 1) and ?per_page= (1 to 100, default size).
func ParsePaging(c *gin.Context, size int) (Paging, error) {
	page, err := IntQuery(c, "page", 1, 1, maxPage)
	if err != nil {
		return Paging{}, err
	}
	per, err := IntQuery(c, "per_page", size, 1, maxPageSize)
	if err != nil {
		return Paging{}, err
	}
	return Paging{Page: page, Size: per}, nil
}

// DecodeJSON reads a small JSON object into v, strictly: unknown fields, wrong types, trailing data
// and oversized bodies are invalid input, never half-read.
func DecodeJSON(c *gin.Context, v any) error {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, maxJSONBody+1))
	if err != nil {
		return fmt.Errorf("web: read body: %w", err)
	}
	if len(body) > maxJSONBody {
		return &http.MaxBytesError{Limit: maxJSONBody}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("web: json body: %v: %w", err, billing.ErrInvalid)
	}
	if dec.More() {
		return fmt.Errorf("web: json body: trailing data: %w", billing.ErrInvalid)
	}
	return nil
}

// truncate keeps error messages about hostile input short.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// ParseForm reads a URL-encoded form body of at most limit bytes. A larger body is an
// *http.MaxBytesError (413), so that a page says the form was too large rather than that it was
// forged; a body that is not a form is invalid.
func ParseForm(c *gin.Context, limit int64) error {
	LimitBody(c, limit)
	if err := c.Request.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return fmt.Errorf("web: form: %w", tooLarge)
		}
		return fmt.Errorf("web: form: %v: %w", err, billing.ErrInvalid)
	}
	return nil
}
