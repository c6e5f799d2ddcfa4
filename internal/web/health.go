package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// Check is one dependency that must answer for the process to be ready, e.g. the core database.
// An advisory check (a payment channel) shows in the answer without making the process unready:
// a provider being down is no reason to take the site out of its load balancer.
type Check struct {
	Name     string
	Ping     func(ctx context.Context) error
	Advisory bool
}

// Healthz answers 200 while the process is up.
func Healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// Readyz answers 200 when every check that is not advisory passes within two seconds, else 503
// naming the failures; advisory checks are named with their state either way.
// Failure details go to the log, not to the client.
func Readyz(log *slog.Logger, checks ...Check) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		result := gin.H{}
		status := http.StatusOK
		for _, ch := range checks {
			if err := ch.Ping(ctx); err != nil {
				result[ch.Name] = "unavailable"
				if ch.Advisory {
					continue
				}
				status = http.StatusServiceUnavailable
				log.Warn("not ready", "check", ch.Name, "err", err)
				continue
			}
			result[ch.Name] = "ok"
		}
		result["status"] = map[bool]string{true: "ready", false: "not ready"}[status == http.StatusOK]
		c.JSON(status, result)
	}
}
