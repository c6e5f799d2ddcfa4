package portal

import "github.com/gin-gonic/gin"

// Routes registers the customer pages and the JSON API.
func (h *Handler) Routes(r gin.IRouter) {
	pages := r.Group("/", h.loadSession(h.pageError))
	pages.GET("/", h.showHome)
	pages.GET("/login", h.showLogin)
	pages.POST("/login/code", h.sendLoginCode)
	pages.POST("/login", h.login)
	pages.POST("/logout", h.logout)
	pages.GET("/lang/:lang", h.setLanguage)
	pages.GET("/care/:on", h.setCare)
	pages.GET("/payfor", h.showPayFor)
	pages.GET("/payfor/:no/qr.png", h.showAccountQR)
	pages.POST("/accounts/:no/pay", h.startPay)
	pages.GET("/pay/:out", h.showPay)
	pages.GET("/pay/:out/qr.png", h.showPayQR)
	pages.GET("/accounts/bind", h.requireSignIn, h.showBind)
	pages.POST("/accounts/bind/code", h.requireSignIn, h.sendBindCode)
	pages.POST("/accounts/bind", h.requireSignIn, h.bind)
	pages.POST("/accounts/:no/unbind", h.requireSignIn, h.unbind)
	pages.GET("/accounts/:no/bills", h.requireSignIn, h.showBills)
	pages.GET("/accounts/:no/bills/:id", h.requireSignIn, h.showBill)

	api := r.Group("/api/v1", h.loadSession(h.apiError))
	api.POST("/otp", h.sameOrigin, h.apiSendCode)
	api.POST("/login", h.sameOrigin, h.apiLogin)
	api.POST("/logout", h.sameOriginOrToken, h.apiLogout)
	api.GET("/accounts", h.requireSession, h.apiAccounts)
	api.GET("/accounts/:no/summary", h.requireSession, h.apiSummary)
	api.GET("/accounts/:no/bills", h.requireSession, h.apiBills)
	api.GET("/accounts/:no/bills/:id", h.requireSession, h.apiBill)
	api.POST("/bindings/code", h.requireSession, h.sameOriginOrToken, h.apiBindCode)
	api.POST("/bindings", h.requireSession, h.sameOriginOrToken, h.apiBind)
	api.DELETE("/bindings/:no", h.requireSession, h.sameOriginOrToken, h.apiUnbind)
	api.GET("/payfor/:no", h.apiPayFor)
	api.POST("/accounts/:no/payments", h.sameOriginOrToken, h.apiCreatePayment)
	api.GET("/payments/:out", h.apiPayment)

	h.usageRoutes(pages, api)
	h.disputeRoutes(pages, api)

	if h.inbox != nil { // dev and tests only: production has no inbox to show
		pages.GET("/dev/inbox", h.showDevInbox)
		r.GET("/dev/inbox.json", h.apiDevInbox)
	}
}
