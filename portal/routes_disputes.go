package portal

import "github.com/gin-gonic/gin"

// disputeRoutes registers the dispute pages and their API.
func (h *Handler) disputeRoutes(pages, api gin.IRoutes) {
}
