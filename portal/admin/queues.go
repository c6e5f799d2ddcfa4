package admin

import (
	"fmt"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/web"
)

// queuesCSP is the console's content security policy: its page starts with inline script, which the
// rest of the site forbids; it may load nothing from elsewhere.
const queuesCSP = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// serveQueues serves the task queues' console (asynqmon) to administrators. Its own calls carry no
// CSRF token, so a call that changes anything must come, by the browser's word, from this site.
func (h *Handler) serveQueues(c *gin.Context) error {
	if c.Request.Method != "GET" && c.Request.Method != "HEAD" {
		if err := web.SameOrigin(c); err != nil {
			return err
		}
		if c.GetHeader("Origin") == "" && c.GetHeader("Sec-Fetch-Site") != "same-origin" {
			return fmt.Errorf("admin: %s %s without a same-origin browser's word: %w", c.Request.Method, c.Request.URL.Path, billing.ErrForbidden)
		}
	}
	c.Header("Content-Security-Policy", queuesCSP)
	h.queues.ServeHTTP(c.Writer, c.Request)
	return nil
}
