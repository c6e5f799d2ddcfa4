package portal

import "github.com/gin-gonic/gin"

// Routes registers the customer pages.
func (h *Handler) Routes(r gin.IRouter) {
	r.GET("/", h.showHome)
}
