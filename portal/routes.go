package portal

import (
	"github.com/gin-gonic/gin"

	"gridpay/internal/web"
	"gridpay/portal/auth"
)

// Routes registers the customer pages and the JSON API: the whole surface, in one place. Every
// handler returns its error; page wraps it for the error page or the form, api for JSON.
func (h *Handler) Routes(r gin.IRouter) {
	r.Use(h.cookies.Attach) // every reader of a cookie goes by the names h.cookies writes
	page, api := h.pages.Handle, h.api.Handle
	signedIn := page(auth.RequireSignIn) // pages of a session: others go to the sign-in form
	session := api(auth.Require)         // API calls of a session: others are unauthorized
	guarded := api(auth.CheckAPIToken)   // state-changing calls of a session: its token or same origin

	pages := r.Group("/", page(h.auth.Load))
	pages.GET("/", page(h.showHome))
	pages.GET("/login", page(h.showLogin))
	pages.POST("/login/code", page(h.sendLoginCode))
	pages.POST("/login", page(h.login))
	pages.POST("/logout", page(h.logout))
	pages.GET("/lang/:lang", page(h.setLanguage))
	pages.GET("/care/:on", page(h.setCare))
	pages.GET("/payfor", page(h.showPayFor))
	pages.GET("/payfor/:no/qr.png", page(h.showAccountQR))
	pages.POST("/accounts/:no/pay", page(h.startPay))
	pages.GET("/pay/:out", page(h.showPay))
	pages.GET("/pay/:out/qr.png", page(h.showPayQR))
	pages.POST("/pay/:out/go", page(h.goPay))
	pages.GET("/wechat/authorized", page(h.payAuthorized))
	pages.GET("/accounts/bind", signedIn, page(h.showBind))
	pages.POST("/accounts/bind/code", signedIn, page(h.sendBindCode))
	pages.POST("/accounts/bind", signedIn, page(h.bind))
	pages.POST("/accounts/:no/unbind", signedIn, page(h.unbind))
	pages.GET("/accounts/:no/bills", signedIn, page(h.showBills))
	pages.GET("/accounts/:no/bills/:id", signedIn, page(h.showBill))
	pages.GET("/accounts/:no/usage", signedIn, page(h.showUsage))
	pages.GET("/accounts/:no/payments", signedIn, page(h.showPayments))
	pages.GET("/accounts/:no/notices", signedIn, page(h.showNotices))
	pages.GET("/disputes", signedIn, page(h.showDisputes))
	pages.GET("/disputes/:id", signedIn, page(h.showDispute))
	pages.GET("/disputes/:id/photo", signedIn, page(h.showDisputePhoto))
	pages.GET("/accounts/:no/disputes/new", signedIn, page(h.showNewDispute))
	pages.POST("/accounts/:no/disputes", signedIn, page(h.createDispute))

	v1 := r.Group("/api/v1", api(h.auth.Load))
	v1.POST("/otp", api(web.SameOrigin), api(h.apiSendCode))
	v1.POST("/login", api(web.SameOrigin), api(h.apiLogin))
	v1.POST("/logout", guarded, api(h.apiLogout))
	v1.GET("/accounts", session, api(h.apiAccounts))
	v1.GET("/accounts/:no/summary", session, api(h.apiSummary))
	v1.GET("/accounts/:no/bills", session, api(h.apiBills))
	v1.GET("/accounts/:no/bills/:id", session, api(h.apiBill))
	v1.GET("/accounts/:no/usage", session, api(h.apiUsage))
	v1.GET("/accounts/:no/payments", session, api(h.apiPayments))
	v1.GET("/accounts/:no/notices", session, api(h.apiNotices))
	v1.POST("/bindings/code", session, guarded, api(h.apiBindCode))
	v1.POST("/bindings", session, guarded, api(h.apiBind))
	v1.DELETE("/bindings/:no", session, guarded, api(h.apiUnbind))
	v1.GET("/payfor/:no", api(h.apiPayFor))
	v1.POST("/accounts/:no/payments", api(guardCreatePayment), api(h.apiCreatePayment))
	v1.GET("/payments/:out", api(h.apiPayment))
	v1.POST("/accounts/:no/disputes", session, guarded, api(h.apiFileDispute))
	v1.GET("/disputes", session, api(h.apiDisputes))
	v1.GET("/disputes/:id", session, api(h.apiDispute))

	if h.inbox != nil { // dev and tests only: production has no inbox to show
		pages.GET("/dev/inbox", page(h.showDevInbox))
		r.GET("/dev/inbox.json", api(h.apiDevInbox))
	}
}
