package portal

import "github.com/gin-gonic/gin"

// disputeRoutes registers the dispute pages and their API.
func (h *Handler) disputeRoutes(pages, api gin.IRoutes) {
	pages.GET("/disputes", h.requireSignIn, h.showDisputes)
	pages.GET("/disputes/:id", h.requireSignIn, h.showDispute)
	pages.GET("/disputes/:id/photo", h.requireSignIn, h.showDisputePhoto)
	pages.GET("/accounts/:no/disputes/new", h.requireSignIn, h.showNewDispute)
	pages.POST("/accounts/:no/disputes", h.requireSignIn, h.createDispute)

	api.POST("/accounts/:no/disputes", h.requireSession, h.sameOriginOrToken, h.apiFileDispute)
	api.GET("/disputes", h.requireSession, h.apiDisputes)
	api.GET("/disputes/:id", h.requireSession, h.apiDispute)
}
