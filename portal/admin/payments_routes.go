package admin

import (
	"net/http"

	"gridpay/internal/staff"
)

// Role sets of the finance pages: finance acts on payments and reconciliation; supervisors,
// auditors and administrators read them; agents search payments too, for "paid but not credited"
// disputes.
var (
	financeReaders = []staff.Role{staff.Finance, staff.Supervisor, staff.Auditor, staff.Admin}
	paymentReaders = []staff.Role{staff.Agent, staff.Finance, staff.Supervisor, staff.Auditor, staff.Admin}
	financeOnly    = []staff.Role{staff.Finance}
)

// paymentRoutes are the finance pages: payments, flagged orders, reconciliation and their exports.
func (h *Handler) paymentRoutes() []route {
	rs := []route{
		{method: http.MethodGet, path: "/admin/audit/export.csv", roles: auditors, handle: h.exportAudit(csvFormat)},
		{method: http.MethodGet, path: "/admin/audit/export.xlsx", roles: auditors, handle: h.exportAudit(xlsxFormat)},
		{method: http.MethodGet, path: "/admin/reconciliation", roles: financeReaders, handle: h.showReconDays},
		{method: http.MethodGet, path: "/admin/reconciliation/:day", roles: financeReaders, handle: h.showReconDay},
		{method: http.MethodPost, path: "/admin/reconciliation/items/:id/resolve", roles: financeOnly, handle: h.resolveRecon},
		{method: http.MethodGet, path: "/admin/reconciliation/:day/export.csv", roles: financeReaders, handle: h.exportRecon(csvFormat)},
		{method: http.MethodGet, path: "/admin/reconciliation/:day/export.xlsx", roles: financeReaders, handle: h.exportRecon(xlsxFormat)},
	}
	if h.payments == nil {
		return rs
	}
	return append(rs,
		route{method: http.MethodGet, path: "/admin/payments", roles: paymentReaders, handle: h.showPayments},
		route{method: http.MethodGet, path: "/admin/payments/flagged", roles: financeReaders, handle: h.showFlagged},
		route{method: http.MethodGet, path: "/admin/payments/:out", roles: paymentReaders, handle: h.showPayment},
		route{method: http.MethodPost, path: "/admin/payments/:out/resolve", roles: financeOnly, handle: h.resolvePayment},
		route{method: http.MethodPost, path: "/admin/payments/:out/repost", roles: financeOnly, handle: h.repostPayment},
		route{method: http.MethodPost, path: "/admin/payments/:out/resend-receipt", roles: financeOnly, handle: h.resendReceipt},
		route{method: http.MethodPost, path: "/admin/payments/conflicts/:id/resolve", roles: financeOnly, handle: h.resolveConflict},
	)
}
