// Package portal is the customer's side of gridpay: pages for phones and the same data as JSON under
// /api/v1/. Staff pages arrive in portal/admin. The HTTP habits (templates, CSRF, parameters, rate
// limits, cookies, the path from an error to a response) come from internal/web; sign-in and
// sessions from portal/auth.
package portal

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"gridpay/internal/store"
	"gridpay/internal/web"
	"gridpay/notify"
	"gridpay/payments"
	"gridpay/portal/auth"
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
	Auth          *auth.Auth
	Service       *Service
	Redis         redis.UniversalClient // rate limits of look-ups, and the QR images of orders
	Payments      *payments.Service     // nil: no payment channel is configured
	WebAuth       WebAuth               // the official account's web authorization; nil: no paying inside WeChat
	Orders        *store.Portal         // payment orders, for their pages
	Now           func() time.Time
	PublicURL     string           // how customers reach the site, for codes printed on paper
	Inbox         *notify.DevInbox // the dev inbox, served at /dev/inbox; nil in production
	Info          Info
	SecureCookies bool           // cookies only over HTTPS (production)
	Location      *time.Location // the bureau's time zone (GRIDPAY_TIMEZONE): times on pages are read on its clock
}

// Handler serves the portal's pages and JSON API.
type Handler struct {
	log       *slog.Logger
	auth      *auth.Auth
	svc       *Service
	rdb       redis.UniversalClient
	limiter   *web.Limiter
	pay       *payments.Service
	webAuth   WebAuth
	orders    *store.Portal
	now       func() time.Time
	publicURL string
	inbox     *notify.DevInbox
	info      Info
	cookies   web.Cookies
	loc       *time.Location
	pages     *web.Pages
	api       *web.API
}

// New parses every page once and renders each with an empty value of its data, so that a broken
// page stops start-up.
func New(d Deps) (*Handler, error) {
	if d.Location == nil || d.Redis == nil {
		return nil, errors.New("portal: a time zone and Redis are needed")
	}
	h := &Handler{log: d.Log, auth: d.Auth, svc: d.Service, rdb: d.Redis, limiter: web.NewLimiter(d.Redis), pay: d.Payments,
		webAuth: d.WebAuth, orders: d.Orders, now: d.Now, publicURL: d.PublicURL, inbox: d.Inbox, info: d.Info,
		cookies: web.Cookies{Secure: d.SecureCookies}, loc: d.Location, api: web.NewAPI(d.Log)}
	sub, err := fs.Sub(templateFS, "templates")
	if err != nil {
		return nil, fmt.Errorf("portal: templates: %w", err)
	}
	tpl, err := web.NewTemplates(sub, template.FuncMap{"asset": d.Assets.URL}, h.samplePages())
	if err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	h.pages = web.NewPages(d.Log, tpl, h.errorPage)
	return h, nil
}
