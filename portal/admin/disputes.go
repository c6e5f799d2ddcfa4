package admin

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/internal/web"
)

// disputesPageSize is how many disputes a page of the queue shows.
const disputesPageSize = 30

// disputesPage is the dispute queue with its filter and counts.
type disputesPage struct {
	page
	Disputes   []store.StaffDispute
	Counts     store.DisputeCounts
	Statuses   []billing.DisputeStatus
	Categories []billing.DisputeCategory
	Total      int
	Paging     web.Paging
	Pages      int
	PrevURL    string
	NextURL    string
	// The filter as given.
	Status, Category, AccountNo string
	Station                     int64
	MinDays                     int // filed at least this many days ago; 0: any age
	Breached                    bool
	sla                         billing.DisputeSLA
}

// Due is when a dispute of the queue is due to leave its status.
func (p disputesPage) Due(d store.StaffDispute) string {
	t, ok := p.sla.Due(d.Status, d.StatusAt)
	if !ok {
		return ""
	}
	return p.Time(t)
}

// Late reports whether a dispute of the queue is past its service level.
func (p disputesPage) Late(d store.StaffDispute) bool {
	return p.sla.Breached(d.Status, d.StatusAt, p.now)
}

// showDisputes answers GET /admin/disputes?status=&category=&station=&account=&breached=1&page=.
func (h *Handler) showDisputes(c *gin.Context) error {
	me, _ := staffOf(c)
	p := disputesPage{page: h.newPage(c), Statuses: billing.DisputeStatuses(), Categories: billing.DisputeCategories(), sla: h.disputes.SLA}
	var q store.DisputeQuery
	var err error
	p.Status, p.Category = truncate(c.Query("status"), 32), truncate(c.Query("category"), 32)
	if p.Status != "" {
		if !billing.DisputeStatus(p.Status).Valid() {
			return &web.InputError{Field: "status", Key: "admin.error.filter", Kind: billing.ErrInvalid}
		}
		q.Statuses = []billing.DisputeStatus{billing.DisputeStatus(p.Status)}
	} else {
		q.Statuses = []billing.DisputeStatus{store.DisputeOpen, store.DisputeInReview, store.DisputeAwaitingApproval,
			store.DisputeAdjusted, store.DisputeRefunded, store.DisputeRejected, store.DisputeFollowUp}
	}
	if p.Category != "" {
		if !billing.DisputeCategory(p.Category).Valid() {
			return &web.InputError{Field: "category", Key: "admin.error.filter", Kind: billing.ErrInvalid}
		}
		q.Category = billing.DisputeCategory(p.Category)
	}
	if v := strings.TrimSpace(c.Query("account")); v != "" {
		if !billing.ValidAccountNo(v) {
			return &web.InputError{Field: "account", Key: "admin.error.account", Kind: billing.ErrInvalid}
		}
		p.AccountNo, q.AccountNo = v, v
	}
	if v := c.Query("station"); v != "" {
		id, err := web.ParseID("station", v)
		if err != nil {
			return err
		}
		p.Station, q.StationID = id, id
	}
	if p.MinDays, err = web.IntQuery(c, "age", 0, 0, 3650); err != nil {
		return err
	}
	if p.MinDays > 0 {
		q.FiledBefore = h.now().AddDate(0, 0, -p.MinDays)
	}
	p.Breached = c.Query("breached") == "1"
	q.Breached = p.Breached
	if p.Paging, err = web.ParsePage(c, disputesPageSize); err != nil {
		return err
	}
	p.Disputes, p.Total, p.Counts, err = h.disputes.Queue(c.Request.Context(), me, q, store.Page{Limit: p.Paging.Size, Offset: p.Paging.Offset()})
	if err != nil {
		return err
	}
	p.Pages = p.Paging.Pages(p.Total)
	p.PrevURL, p.NextURL = pageLinks(c, p.Paging.Page, p.Pages)
	return h.pages.Render(c, http.StatusOK, "disputes", p)
}
