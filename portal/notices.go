package portal

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/internal/web"
)

// noticesPerPage is how many reminders one page of the notices list shows.
const noticesPerPage = 20

// noticesPage lists the reminders and notices sent about an account, newest first, a page at a time.
type noticesPage struct {
	page
	AccountNo        string
	Notices          []noticeRow
	Total            int
	Page, Pages      int
	PrevURL, NextURL string // empty on the first or last page
}

// noticeRow is one reminder or notice as the customer reads it.
type noticeRow struct {
	On          time.Time
	What        string // 逾期提醒, 停电通知...
	Channel     string // 微信, 短信...
	Status      string // 已发送, 已送达, 未送达
	StatusClass string // ok when delivered, warn when not
	Amount      billing.Money
	Planned     time.Time // a notice's planned interruption; zero for other stages
}

// showNotices shows GET /accounts/{no}/notices[?page=2].
func (h *Handler) showNotices(c *gin.Context) error {
	l, err := readAccountList(c, web.ParsePage, noticesPerPage, h.svc.Notices)
	if err != nil {
		return err
	}
	return h.pages.Render(c, http.StatusOK, "notices", newNoticesPage(h.newPage(c), l.No, l.Rows, l.Total, l.Paging.Page))
}

// newNoticesPage puts one page of reminders into the customer's words, with links to its neighbours.
func newNoticesPage(p page, no string, reminders []store.Reminder, total, n int) noticesPage {
	np := noticesPage{page: p, AccountNo: no, Total: total, Page: n, Pages: web.Paging{Size: noticesPerPage}.Pages(total)}
	for _, r := range reminders {
		row := noticeRow{On: r.RemindOn, What: stageLabel(p.Lang, r.Stage), Channel: noticeChannelLabel(p.Lang, r.Channel),
			Status: reminderStatusLabel(p.Lang, r.Status), Amount: r.Amount, Planned: r.PlannedOn}
		switch r.Status {
		case billing.ReminderDelivered:
			row.StatusClass = "ok"
		case billing.ReminderFailed:
			row.StatusClass = "warn"
		}
		np.Notices = append(np.Notices, row)
	}
	base := "/accounts/" + no + "/notices"
	if n > 1 {
		// Past the end, "previous" leads back to the last page there is.
		np.PrevURL = fmt.Sprintf("%s?page=%d", base, min(n-1, np.Pages))
	}
	if n < np.Pages {
		np.NextURL = fmt.Sprintf("%s?page=%d", base, n+1)
	}
	return np
}
