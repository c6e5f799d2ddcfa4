// Package portal is the customer's side of gridpay: pages for phones and the same data as JSON under
// /api/v1/. Staff pages arrive in portal/admin.
package portal

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"gridpay/internal/i18n"
	"gridpay/internal/store"
	"gridpay/internal/web"
	"gridpay/notify"
	"gridpay/payments"
)

//go:embed templates
var templateFS embed.FS

// Info is what the home page says about the running system.
type Info struct {
	Bureau       string // e.g. 云溪县供电公司
	Env          string
	Dev          bool          // dev mode: the home page links health, readiness and metrics
	DemoAccounts []DemoAccount // shown in dev only
}

// DemoAccount is a well-known demo login shown on the dev home page.
type DemoAccount struct {
	No, Kind, Phone string
}

// Deps are what the portal is built from.
type Deps struct {
	Log           *slog.Logger
	Assets        *web.Assets
	Auth          *Auth
	Service       *Service
	Payments      *payments.Service // nil: no payment channel is configured
	Orders        *store.Portal     // payment orders, for their pages
	Now           func() time.Time
	PublicURL     string           // how customers reach the site, for codes printed on paper
	Inbox         *notify.DevInbox // the dev inbox, served at /dev/inbox; nil in production
	Info          Info
	SecureCookies bool           // cookies only over HTTPS (production)
	Location      *time.Location // the bureau's time zone (GRIDPAY_TIMEZONE): times on pages are read on its clock
}

// Handler serves the portal's pages and JSON API.
type Handler struct {
	log           *slog.Logger
	assets        *web.Assets
	auth          *Auth
	svc           *Service
	pay           *payments.Service
	orders        *store.Portal
	now           func() time.Time
	publicURL     string
	inbox         *notify.DevInbox
	pages         *web.Templates
	info          Info
	secureCookies bool
	loc           *time.Location
}

// New parses every page once and renders each with an empty value, so that a broken page stops
// start-up.
func New(d Deps) (*Handler, error) {
	h := &Handler{log: d.Log, assets: d.Assets, auth: d.Auth, svc: d.Service, pay: d.Payments, orders: d.Orders, now: d.Now, publicURL: d.PublicURL, inbox: d.Inbox,
		info: d.Info, secureCookies: d.SecureCookies, loc: d.Location}
	if d.Location == nil {
		return nil, fmt.Errorf("portal: no time zone")
	}
	sub, err := fs.Sub(templateFS, "templates")
	if err != nil {
		return nil, fmt.Errorf("portal: templates: %w", err)
	}
	if h.pages, err = web.NewTemplates(sub, template.FuncMap{"asset": d.Assets.URL}, h.samplePages()); err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	return h, nil
}

// samplePages are the portal's pages, each with an empty value of its own data, which start-up
// renders every page with (web.NewTemplates).
func (h *Handler) samplePages() map[string]any {
	p := page{Info: h.info, Lang: i18n.ZH}
	return map[string]any{
		"bill": billPage{page: p}, "bills": billsPage{page: p}, "bind": bindPage{page: p},
		"dev_inbox": devInboxPage{page: p}, "dispute": disputePage{page: p}, "dispute_new": disputeFormPage{page: p},
		"disputes": disputesPage{page: p}, "error": p, "home": homePage{page: p}, "login": loginPage{page: p},
		"pay": payPage{page: p, Loc: h.loc}, "payfor": payForPage{page: p}, "payments": paymentsPage{page: p},
		"usage": usagePage{page: p},
	}
}

// render writes a page, or logs and answers 500 if the template fails before anything was sent.
func (h *Handler) render(c *gin.Context, status int, page string, data any) {
	if err := h.pages.Render(c, status, page, data); err != nil {
		h.log.Error("render", "page", page, "request_id", c.GetString("request_id"), "err", err)
		c.String(http.StatusInternalServerError, "系统繁忙，请稍后再试。 Something went wrong; please try again later.")
	}
}
