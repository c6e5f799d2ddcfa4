package admin

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/internal/web"
)

// auditPageSize is how many audit rows a page shows.
const auditPageSize = 50

// auditPage is the audit log with its filter, for auditors and administrators.
type auditPage struct {
	page
	Entries  []store.AuditEntry
	Names    map[int64]string // staff ids to usernames
	Total    int
	Paging   web.Paging
	Pages    int
	Username string
	Action   string
	From, To string // YYYY-MM-DD, on the bureau's calendar
	PrevURL  string // the previous page with the same filter; "" on the first
	NextURL  string // the next page with the same filter; "" on the last
}

// showAudit answers GET /admin/audit?username=&action=&from=&to=&page=.
func (h *Handler) showAudit(c *gin.Context) error {
	p := auditPage{page: h.newPage(c), Names: map[int64]string{}}
	f, err := h.auditFilter(c, &p)
	if err != nil {
		return err
	}
	if p.Paging, err = web.ParsePage(c, auditPageSize); err != nil {
		return err
	}
	ctx := c.Request.Context()
	if p.Entries, p.Total, err = h.portal.AuditLog(ctx, f, store.Page{Limit: p.Paging.Size, Offset: p.Paging.Offset()}); err != nil {
		return err
	}
	p.Pages = p.Paging.Pages(p.Total)
	p.PrevURL, p.NextURL = pageLinks(c, p.Paging.Page, p.Pages)
	list, err := h.portal.ListStaff(ctx)
	if err != nil {
		return err
	}
	for _, s := range list {
		p.Names[s.ID] = s.Username
	}
	return h.pages.Render(c, http.StatusOK, "audit", p)
}

// auditFilter reads the audit log's filter from the query string: a username, an action code and
// a range of days on the bureau's calendar (to inclusive).
func (h *Handler) auditFilter(c *gin.Context, p *auditPage) (store.AuditFilter, error) {
	var f store.AuditFilter
	p.Username = truncate(strings.TrimSpace(c.Query("username")), 64)
	p.Action = truncate(strings.TrimSpace(c.Query("action")), 64)
	p.From, p.To = truncate(c.Query("from"), 10), truncate(c.Query("to"), 10)
	if p.Username != "" {
		s, err := h.portal.StaffByUsername(c.Request.Context(), p.Username)
		if err != nil {
			return f, &web.InputError{Field: "username", Key: "admin.audit.no_such_staff", Kind: billing.ErrInvalid}
		}
		f.StaffID = s.ID
	}
	f.Action = p.Action
	for _, d := range []struct {
		s    string
		t    *time.Time
		next bool
	}{{p.From, &f.From, false}, {p.To, &f.To, true}} {
		if d.s == "" {
			continue
		}
		day, err := time.ParseInLocation(time.DateOnly, d.s, h.loc)
		if err != nil {
			return f, &web.InputError{Field: "from", Key: "admin.error.date", Kind: billing.ErrInvalid}
		}
		if d.next {
			day = day.AddDate(0, 0, 1)
		}
		*d.t = day
	}
	return f, nil
}

// pageLinks are the addresses of the pages before and after page of pages, keeping the rest of the
// query string: "" where there is none.
func pageLinks(c *gin.Context, page, pages int) (prev, next string) {
	link := func(n int) string {
		q := c.Request.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return c.Request.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		prev = link(page - 1)
	}
	if page < pages {
		next = link(page + 1)
	}
	return prev, next
}
