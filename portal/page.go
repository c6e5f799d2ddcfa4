package portal

import (
	"html/template"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/web"
	"gridpay/portal/auth"
)

// page is what every page template gets: the site, the language, the session's CSRF token.
type page struct {
	Info
	Lang     i18n.Lang
	Care     bool // large text (关怀模式)
	Path     string
	SignedIn bool
	Pay      bool     // payment channels are configured: Pay buttons are shown
	Channels []string // the channels that take orders now, one Pay button each (payments.Service.UpChannels)
	CSRF     string   // the token forms send back
	Error    string   // a message in the customer's language
}

// Language is the page's language: web.Templates renders the page from its copy in it, whose
// constant {{.T "key"}} are translated once at start-up.
func (p page) Language() i18n.Lang { return p.Lang }

// T translates a catalog key into the page's language.
func (p page) T(key string, args ...any) string { return i18n.T(p.Lang, key, args...) }

// Money shows fen as ¥1,234.56.
func (p page) Money(m billing.Money) string { return i18n.Money(int64(m)) }

// Date shows a civil date (a Date, *Date or time.Time) as 2026年3月15日 or 15 Mar 2026.
func (p page) Date(d any) string {
	switch d := d.(type) {
	case Date:
		return i18n.Date(p.Lang, time.Time(d))
	case *Date:
		if d != nil {
			return i18n.Date(p.Lang, time.Time(*d))
		}
	case time.Time:
		return i18n.Date(p.Lang, d)
	}
	return ""
}

// Zh shows text that is Chinese whatever the page's language (a name, an address, the bureau, a
// tariff, what a customer wrote): on an English page, text with Chinese characters in it is marked
// lang="zh-CN", so that a screen reader reads it as Chinese. For element content only.
func (p page) Zh(s string) template.HTML {
	if p.Lang == i18n.EN && hasHan(s) {
		return template.HTML(`<span lang="zh-CN">` + template.HTMLEscapeString(s) + `</span>`)
	}
	return template.HTML(template.HTMLEscapeString(s))
}

// hasHan reports whether s has a Chinese character in it.
func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// ClassName names a customer class in the page's language: 居民生活, Residential.
func (p page) ClassName(c billing.Class) string {
	key := "class." + string(c)
	if !i18n.Has(key) {
		return c.Label() // an unknown class shows its raw value, as Label does
	}
	return i18n.T(p.Lang, key)
}

// ChannelName names a payment channel in the page's language: 微信支付, 支付宝.
func (p page) ChannelName(channel string) string { return i18n.T(p.Lang, "pay."+channel) }

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
	p := page{Info: h.info, Lang: web.Lang(c), Care: care(c), Path: c.Request.URL.Path, Pay: h.pay != nil}
	if h.pay != nil {
		p.Channels = h.pay.UpChannels()
	}
	if s, ok := auth.FromContext(c); ok {
		p.SignedIn, p.CSRF = true, s.CSRF
	}
	return p
}

// errorPage is the data of the error page, which says message (web.Pages).
func (h *Handler) errorPage(c *gin.Context, message string) any {
	p := h.newPage(c)
	p.Error = message
	return p
}

// samplePages are the portal's pages, each with an empty value of its own data, which start-up
// renders every page with (web.NewTemplates).
func (h *Handler) samplePages() map[string]any {
	p := page{Info: h.info, Lang: i18n.ZH}
	return map[string]any{
		"bill": billPage{page: p}, "bills": billsPage{page: p}, "bind": &bindPage{page: p},
		"dev_inbox": devInboxPage{page: p}, "dispute": disputePage{page: p}, "dispute_new": &disputeFormPage{page: p},
		"disputes": disputesPage{page: p}, "error": p, "home": homePage{page: p}, "login": &loginPage{page: p},
		"notices": noticesPage{page: p}, "pay": payPage{page: p, Loc: h.loc}, "pay_down": payDownPage{page: p, Down: "wechat"}, "payfor": &payForPage{page: p},
		"payments": paymentsPage{page: p}, "usage": usagePage{page: p},
	}
}
