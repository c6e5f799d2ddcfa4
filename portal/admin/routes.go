package admin

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"gridpay/internal/staff"
	"gridpay/internal/web"
)

// route is one staff route and the roles that may use it.
type route struct {
	method, path string
	roles        []staff.Role
	handle       web.HandlerFunc
	// sameOrigin: the route's client (the queues console) sends no CSRF token; the handler
	// checks that a change comes from a page of this site instead.
	sameOrigin bool
}

// RouteInfo is a staff route as the role matrix test reads it.
type RouteInfo struct {
	Method, Path string
	Roles        []staff.Role
}

// Role sets of the routes. Every staff member reads the queue and the cases of their station; what
// changes a case, money or an account is for the roles the issue names.
var (
	everyone    = staff.Roles()
	handlers    = []staff.Role{staff.Agent, staff.Supervisor}
	approvers   = []staff.Role{staff.Supervisor}
	retriers    = []staff.Role{staff.Agent, staff.Supervisor, staff.Finance}
	auditors    = []staff.Role{staff.Auditor, staff.Admin}
	admins      = []staff.Role{staff.Admin}
	anyMethodOf = []string{http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodPut, http.MethodPatch}
)

// staffRoutes is every route behind a staff sign-in: the whole surface, with who may use each.
func (h *Handler) staffRoutes() []route {
	rs := []route{
		{method: http.MethodGet, path: "/admin/", roles: everyone, handle: h.showHome},
		{method: http.MethodGet, path: "/admin/disputes", roles: everyone, handle: h.showDisputes},
		{method: http.MethodGet, path: "/admin/disputes/:id", roles: everyone, handle: h.showDispute},
		{method: http.MethodGet, path: "/admin/disputes/:id/photo", roles: everyone, handle: h.showDisputePhoto},
		{method: http.MethodPost, path: "/admin/disputes/:id/move", roles: handlers, handle: h.moveDispute},
		{method: http.MethodPost, path: "/admin/disputes/:id/actions", roles: handlers, handle: h.proposeAction},
		{method: http.MethodPost, path: "/admin/disputes/:id/actions/:action/approve", roles: approvers, handle: h.decideAction(true)},
		{method: http.MethodPost, path: "/admin/disputes/:id/actions/:action/decline", roles: approvers, handle: h.decideAction(false)},
		{method: http.MethodPost, path: "/admin/disputes/:id/actions/:action/retry", roles: retriers, handle: h.retryAction},
		{method: http.MethodGet, path: "/admin/audit", roles: auditors, handle: h.showAudit},
		{method: http.MethodGet, path: "/admin/staff", roles: admins, handle: h.showStaff},
		{method: http.MethodPost, path: "/admin/staff/:id/disable", roles: admins, handle: h.disableStaff},
		{method: http.MethodPost, path: "/admin/staff/:id/enable", roles: admins, handle: h.enableStaff},
		{method: http.MethodPost, path: "/admin/staff/:id/reset-totp", roles: admins, handle: h.resetStaffTOTP},
		{method: http.MethodPost, path: "/admin/staff/:id/revoke", roles: admins, handle: h.revokeStaffSessions},
	}
	rs = append(rs, h.paymentRoutes()...)
	rs = append(rs, h.reminderRoutes()...)
	if h.queues != nil {
		for _, m := range anyMethodOf {
			rs = append(rs, route{method: m, path: "/admin/queues/*path", roles: admins, handle: h.serveQueues, sameOrigin: true})
		}
	}
	return rs
}

// RouteTable lists the routes behind a staff sign-in with the roles each allows.
func (h *Handler) RouteTable() []RouteInfo {
	out := make([]RouteInfo, 0, len(h.routes))
	for _, r := range h.routes {
		out = append(out, RouteInfo{Method: r.method, Path: r.path, Roles: r.roles})
	}
	return out
}

// Routes registers the staff pages: the sign-in steps open to all, then every route of the table
// behind a finished sign-in, its role check and, for changes, its CSRF check.
func (h *Handler) Routes(r gin.IRouter) {
	page := h.pages.Handle
	g := r.Group("/admin", page(h.load))
	g.GET("/login", page(h.showLogin))
	g.POST("/login", page(h.login))
	g.GET("/login/totp", page(h.showTOTP))
	g.POST("/login/totp", page(checkForm), page(h.checkTOTP))
	g.GET("/login/enrol", page(h.showEnrol))
	g.GET("/login/enrol/qr.png", page(h.showEnrolQR))
	g.POST("/login/enrol", page(checkForm), page(h.enrol))
	g.GET("/login/password", page(h.showPassword))
	g.POST("/login/password", page(checkForm), page(h.changePassword))
	g.POST("/logout", page(checkForm), page(h.logout))
	g.GET("/lang/:lang", page(h.setLanguage))
	for _, rt := range h.routes {
		csrf := page(checkForm)
		if rt.sameOrigin {
			csrf = func(*gin.Context) {}
		}
		r.Handle(rt.method, rt.path, page(h.load), page(requireSignedIn), page(allow(rt.roles)), csrf, page(rt.handle))
	}
}
