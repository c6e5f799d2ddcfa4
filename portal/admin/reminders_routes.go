package admin

import (
	"net/http"

	"gridpay/internal/staff"
)

// reminderChangers may change who is reminded (the suppression calendar, exemptions): a legal
// matter, for supervisors, and administrators.
var reminderChangers = []staff.Role{staff.Supervisor, staff.Admin}

// reminderRoutes are the arrears reminders' pages: runs, tomorrow's preview, exemptions and the
// suppression calendar.
func (h *Handler) reminderRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/admin/reminders", roles: everyone, handle: h.showReminderRuns},
		{method: http.MethodGet, path: "/admin/reminders/preview", roles: everyone, handle: h.showReminderPreview},
		{method: http.MethodGet, path: "/admin/reminders/calendar", roles: everyone, handle: h.showReminderCalendar},
		{method: http.MethodPost, path: "/admin/reminders/calendar", roles: reminderChangers, handle: h.suppressReminderDay},
		{method: http.MethodPost, path: "/admin/reminders/calendar/remove", roles: reminderChangers, handle: h.unsuppressReminderDay},
		{method: http.MethodGet, path: "/admin/reminders/exemptions", roles: everyone, handle: h.showReminderExemptions},
		{method: http.MethodPost, path: "/admin/reminders/exemptions", roles: reminderChangers, handle: h.setReminderFlags},
		{method: http.MethodGet, path: "/admin/reminders/:day", roles: everyone, handle: h.showReminderRun},
	}
}
