package web

import (
	"fmt"
	"mime"

	"github.com/gin-gonic/gin"
)

// UnsupportedMediaType is a request body of a type the call does not take (415). A state-changing
// JSON call refuses anything but application/json: a cross-site form can send text/plain without
// the browser asking first, application/json it cannot.
type UnsupportedMediaType struct {
	Got string // the Content-Type sent, for the log
}

// Error names the type sent, for the log.
func (e *UnsupportedMediaType) Error() string {
	return fmt.Sprintf("web: content type %q: want application/json", truncate(e.Got, 64))
}

// RequireJSON refuses a request whose body is not application/json (any charset parameter allowed).
func RequireJSON(c *gin.Context) error {
	got := c.GetHeader("Content-Type")
	if t, _, err := mime.ParseMediaType(got); err != nil || t != "application/json" {
		return &UnsupportedMediaType{Got: got}
	}
	return nil
}
