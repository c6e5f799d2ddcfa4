// Package admin is the staff side of gridpay under /admin/: the bureau's counter, billing and
// finance staff settle disputes, look into payments and reconciliation, and read the audit log. It
// is a sibling of the customer pages and never imports them: both use internal/web for their HTTP
// habits. Staff sign in with a password and, for the roles that approve or move money, a TOTP
// second factor; their sessions live in Redis apart from customers', and every route says which
// roles may use it (routes.go), which a matrix test holds it to.
package admin

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/staff"
	"gridpay/internal/store"
	"gridpay/internal/web"
)

//go:embed templates
var templateFS embed.FS

// DemoLogin is a well-known demo staff login, shown on the sign-in page in dev only.
type DemoLogin struct {
	Username, Password string
	Role               staff.Role
	TOTPSecret         string // "" for roles without a second factor
	Code               string // the code of TOTPSecret at the moment the page was made
}

// Deps are what the staff pages are built from.
type Deps struct {
	Log    *slog.Logger
	Assets *web.Assets
	Redis  redis.UniversalClient
	Portal *store.Portal // staff accounts, the audit log, disputes, orders
	Now    func() time.Time
	// Location is the bureau's time zone: times on the pages are read on its clock.
	Location      *time.Location
	Bureau        string
	SecureCookies bool        // cookies only over HTTPS (production)
	DemoLogins    []DemoLogin // dev only: the sign-in page lists them
	// Queues is the task queues' console (asynqmon), served at /admin/queues to administrators;
	// nil for none.
	Queues http.Handler
	// Disputes is the staff's side of customer disputes.
	Disputes *Disputes
	// Payments is what the finance pages use (payments_service.go).
	Payments *Payments
	// Reminders is what the reminders pages use (reminders_service.go).
	Reminders *Reminders
}

// Handler serves the staff pages.
type Handler struct {
	log      *slog.Logger
	rdb      redis.UniversalClient
	portal   *store.Portal
	now      func() time.Time
	loc      *time.Location
	bureau   string
	cookies  web.Cookies
	sessions sessions
	signIns  signIns
	demo     []DemoLogin
	queues   http.Handler
	disputes *Disputes
	payments *Payments
	reminds  *Reminders
	pages    *web.Pages
	routes   []route
}

// New parses every page once and renders each with an empty value of its data, so that a broken
// page stops start-up.
func New(d Deps) (*Handler, error) {
	if d.Location == nil || d.Redis == nil || d.Portal == nil || d.Now == nil || d.Disputes == nil {
		return nil, errors.New("admin: a time zone, Redis, the portal database, a clock and the disputes service are needed")
	}
	h := &Handler{log: d.Log, rdb: d.Redis, portal: d.Portal, now: d.Now, loc: d.Location, bureau: d.Bureau,
		cookies: web.Cookies{Secure: d.SecureCookies}, sessions: sessions{rdb: d.Redis, now: d.Now},
		signIns: signIns{staff: d.Portal, rdb: d.Redis, limiter: web.NewLimiter(d.Redis), now: d.Now},
		demo:    d.DemoLogins, queues: d.Queues, disputes: d.Disputes,
		payments: d.Payments, reminds: d.Reminders}
	sub, err := fs.Sub(templateFS, "templates")
	if err != nil {
		return nil, fmt.Errorf("admin: templates: %w", err)
	}
	tpl, err := web.NewTemplates(sub, template.FuncMap{"asset": d.Assets.URL}, h.samplePages())
	if err != nil {
		return nil, fmt.Errorf("admin: %w", err)
	}
	h.pages = web.NewPages(d.Log, tpl, h.errorPage)
	h.routes = h.staffRoutes()
	return h, nil
}

// page is what every staff page template gets.
type page struct {
	Bureau string
	Lang   i18n.Lang
	Path   string
	Staff  *store.Staff // the signed-in staff member; nil on the sign-in pages
	CSRF   string
	Error  string
	Notice string // a message of what was just done
	Loc    *time.Location
	now    time.Time // when the page is made: SLA clocks are read against it
}

// Language is the page's language: web.Templates renders the page from its copy in it, whose
// constant {{.T "key"}} are translated once at start-up.
func (p page) Language() i18n.Lang { return p.Lang }

// T translates a catalog key into the page's language.
func (p page) T(key string, args ...any) string { return i18n.T(p.Lang, key, args...) }

// Money shows fen as ¥1,234.56.
func (p page) Money(m billing.Money) string { return i18n.Money(int64(m)) }

// Time shows a time on the bureau's clock.
func (p page) Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	loc := p.Loc
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

// Date shows a civil date (a bill's period end, a day of readings, a payment date): kept as
// midnight UTC, shown as 2026-11-26 whatever the bureau's zone.
func (p page) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// Reading shows a meter reading with its two decimals.
func (p page) Reading(r billing.Reading) string { return i18n.Reading(int64(r)) }

// Role is a role's name in the page's language.
func (p page) Role(r staff.Role) string { return p.T("admin.role." + string(r)) }

// Can reports whether the signed-in staff member's role is one of roles: what the navigation and
// the buttons offer, while the routes themselves enforce it.
func (p page) Can(roles ...string) bool {
	if p.Staff == nil {
		return false
	}
	for _, r := range roles {
		if string(p.Staff.Role) == r {
			return true
		}
	}
	return false
}

// County reports whether the signed-in staff member sees the whole county rather than one supply
// station.
func (p page) County() bool { return p.Staff == nil || p.Staff.StationID == 0 }

// OtherLang is the language the switch offers.
func (p page) OtherLang() i18n.Lang {
	if p.Lang == i18n.EN {
		return i18n.ZH
	}
	return i18n.EN
}

// SetError puts the message of what went wrong above the page's form (web.Form).
func (p *page) SetError(message string) { p.Error = message }

// newPage fills the parts of a page every handler needs.
func (h *Handler) newPage(c *gin.Context) page {
	p := page{Bureau: h.bureau, Lang: web.Lang(c), Path: c.Request.URL.Path, Loc: h.loc, now: h.now()}
	if ss, ok := sessionOf(c); ok {
		p.CSRF = ss.CSRF
	}
	if s, ok := staffOf(c); ok {
		p.Staff = &s
	}
	return p
}

// errorPage is the data of the error page, which says message (web.Pages).
func (h *Handler) errorPage(c *gin.Context, message string) any {
	p := h.newPage(c)
	p.Error = message
	return p
}

// audit is the audit row of an action of the signed-in staff member: who and from where; the store
// fills in what.
func audit(c *gin.Context, reason string) store.Audit {
	a := store.Audit{Reason: reason, ClientAddr: c.ClientIP()}
	if s, ok := staffOf(c); ok {
		a.StaffID = s.ID
	}
	return a
}

// samplePages are the staff pages, each with an empty value of its own data, which start-up renders
// every page with (web.NewTemplates).
func (h *Handler) samplePages() map[string]any {
	p := page{Bureau: h.bureau, Lang: i18n.ZH, Loc: h.loc}
	samples := map[string]any{
		"audit": auditPage{page: p}, "dispute": disputePage{page: p}, "disputes": disputesPage{page: p}, "enrol": &loginPage{page: p}, "error": p, "home": homePage{page: p},
		"login": &loginPage{page: p}, "password": &loginPage{page: p}, "staff": staffPage{page: p}, "totp": &loginPage{page: p},
	}
	for _, more := range []map[string]any{paymentSamples(p), reminderSamples(p)} {
		for name, sample := range more {
			samples[name] = sample
		}
	}
	return samples
}
