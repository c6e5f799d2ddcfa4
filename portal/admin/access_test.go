package admin_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"gridpay/internal/staff"
	"gridpay/internal/store"
)

// Who may use which staff route: the roles, written here apart from the routes themselves
// so that a route opened too wide fails the test. Every route must have a line.
var (
	all       = staff.Roles()
	auditors  = []staff.Role{staff.Auditor, staff.Admin}
	admins    = []staff.Role{staff.Admin}
	handlers  = []staff.Role{staff.Agent, staff.Supervisor}
	approvers = []staff.Role{staff.Supervisor}
	matrix    = map[string][]staff.Role{
		"GET /admin/":                                      all,
		"GET /admin/disputes":                              all,
		"GET /admin/disputes/:id":                          all,
		"GET /admin/disputes/:id/photo":                    all,
		"POST /admin/disputes/:id/move":                    handlers,
		"POST /admin/disputes/:id/actions":                 handlers,
		"POST /admin/disputes/:id/actions/:action/approve": approvers,
		"POST /admin/disputes/:id/actions/:action/decline": approvers,
		"POST /admin/disputes/:id/actions/:action/retry":   {staff.Agent, staff.Supervisor, staff.Finance},
		"GET /admin/audit":                                 auditors,
		"GET /admin/staff":                                 admins,
		"POST /admin/staff/:id/disable":                    admins,
		"POST /admin/staff/:id/enable":                     admins,
		"POST /admin/staff/:id/reset-totp":                 admins,
		"POST /admin/staff/:id/revoke":                     admins,
		"GET /admin/queues/*path":                          admins,
		"POST /admin/queues/*path":                         admins,
		"DELETE /admin/queues/*path":                       admins,
		"PUT /admin/queues/*path":                          admins,
		"PATCH /admin/queues/*path":                        admins,
	}
)

// paymentMatrix and reminderMatrix are the lines of the finance and reminders pages; they join
// matrix in init.
var paymentMatrix, reminderMatrix = map[string][]staff.Role{}, map[string][]staff.Role{}

func init() {
	for _, part := range []map[string][]staff.Role{paymentMatrix, reminderMatrix} {
		for k, v := range part {
			matrix[k] = v
		}
	}
}

// Every staff route for every role, and with no session: a role the matrix names gets past the
// door (whatever the handler then says of the request), any other role is forbidden, and a caller
// without a session is sent to sign in (pages) or refused (changes).
func TestRoleMatrix(t *testing.T) {
	s := newSite(t)
	victim, err := s.portal.CreateStaff(t.Context(), store.NewStaff{Username: "victim", DisplayName: "受试", Role: staff.Agent,
		PasswordHash: s.staff[staff.Agent].PasswordHash}, store.Audit{Action: "staff.create", ClientAddr: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	browsers := map[staff.Role]*browser{}
	for _, r := range staff.Roles() {
		browsers[r] = s.signIn(t, s.staff[r])
	}
	anonymous := s.browser(t)
	table := s.handler.RouteTable()
	if len(table) < 8 {
		t.Fatalf("the route table has %d routes; the matrix would prove little", len(table))
	}
	seen := map[string]bool{}
	for _, rt := range table {
		want, ok := matrix[rt.Method+" "+rt.Path]
		if !ok {
			t.Errorf("%s %s is not in the role matrix: add the roles the issue gives it", rt.Method, rt.Path)
			continue
		}
		seen[rt.Method+" "+rt.Path] = true
		path := strings.NewReplacer(":id", fmt.Sprint(victim.ID), ":action", "1", "*path", "tasks").Replace(rt.Path)
		t.Run(rt.Method+" "+rt.Path, func(t *testing.T) {
			a := send(anonymous, rt.Method, path, "")
			if rt.Method == http.MethodGet {
				if a.status != http.StatusSeeOther || a.location != "/admin/login" {
					t.Errorf("no session: %d %q, want 303 to /admin/login", a.status, a.location)
				}
			} else if a.status != http.StatusUnauthorized {
				t.Errorf("no session: %d, want 401", a.status)
			}
			for _, r := range staff.Roles() {
				b := browsers[r]
				a := send(b, rt.Method, path, b.csrf("/admin/"))
				allowed := slices.Contains(want, r)
				switch {
				case allowed && (a.status == http.StatusForbidden || a.status == http.StatusUnauthorized || a.location == "/admin/login"):
					t.Errorf("%s: %d %q, want past the door", r, a.status, a.location)
				case !allowed && a.status != http.StatusForbidden:
					t.Errorf("%s: %d, want 403", r, a.status)
				}
			}
		})
	}
	for key := range matrix {
		if !seen[key] {
			t.Errorf("%s is in the role matrix but not a route", key)
		}
	}
	// Auditors read everything and change nothing: no route that is not a read names them.
	for key, roles := range matrix {
		if !strings.HasPrefix(key, "GET ") && slices.Contains(roles, staff.Auditor) {
			t.Errorf("%s lets an auditor change something", key)
		}
	}
}

// send makes a request of method to path, with csrf as its form token when it changes something
// (and same-origin headers, as a browser's page would send).
func send(b *browser, method, path, csrf string) answer {
	b.t.Helper()
	if method == http.MethodGet {
		return b.get(path)
	}
	return b.do(method, path, url.Values{"csrf": {csrf}}, "Origin", b.s.url, "Sec-Fetch-Site", "same-origin")
}

// A change without the session's CSRF token, or from another site, is refused and changes nothing.
func TestFormsNeedTheSessionsToken(t *testing.T) {
	s := newSite(t)
	b := s.signIn(t, s.staff[staff.Admin])
	agent := s.staff[staff.Agent]
	path := fmt.Sprintf("/admin/staff/%d/disable", agent.ID)
	for name, a := range map[string]answer{
		"no token":    b.do(http.MethodPost, path, url.Values{"reason": {"x"}}),
		"wrong token": b.do(http.MethodPost, path, url.Values{"reason": {"x"}, "csrf": {strings.Repeat("A", 32)}}),
		"cross-site":  b.do(http.MethodPost, path, url.Values{"reason": {"x"}, "csrf": {b.csrf("/admin/")}}, "Sec-Fetch-Site", "cross-site"),
	} {
		if a.status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, a.status)
		}
	}
	if got, _ := s.portal.StaffByID(t.Context(), agent.ID); got.Disabled {
		t.Fatal("a forged form disabled an account")
	}
	if a := b.post("/admin/staff", path, url.Values{"reason": {"离职"}}); a.status != http.StatusSeeOther {
		t.Fatalf("the real form: %d %s", a.status, a.body)
	}
	if got, _ := s.portal.StaffByID(t.Context(), agent.ID); !got.Disabled {
		t.Fatal("the real form did not disable the account")
	}
}
