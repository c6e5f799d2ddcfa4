package admin

// paymentRoutes are the finance pages: payments, flagged orders, reconciliation and their exports.
func (h *Handler) paymentRoutes() []route {
	return nil
}
