package portal

import "github.com/gin-gonic/gin"

// usageRoutes registers the usage and payment-history pages and their API.
func (h *Handler) usageRoutes(pages, api gin.IRoutes) {
}
