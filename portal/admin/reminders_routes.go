package admin

// reminderRoutes are the arrears reminders' pages: runs, tomorrow's preview, exemptions and the
// suppression calendar.
func (h *Handler) reminderRoutes() []route {
	return nil
}
