package portal

import "github.com/gin-gonic/gin"

// usageRoutes registers the usage and payment-history pages and their API.
func (h *Handler) usageRoutes(pages, api gin.IRoutes) {
	pages.GET("/accounts/:no/usage", h.requireSignIn, h.showUsage)
	pages.GET("/accounts/:no/payments", h.requireSignIn, h.showPayments)
	api.GET("/accounts/:no/usage", h.requireSession, h.apiUsage)
	api.GET("/accounts/:no/payments", h.requireSession, h.apiPayments)
}
