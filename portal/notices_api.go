package portal

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/store"
	"gridpay/internal/web"
	"gridpay/portal/auth"
)

// noticeJSON is a reminder or notice sent about an account (通知记录) in the API.
type noticeJSON struct {
	RemindOn     Date          `json:"remind_on"`
	Stage        string        `json:"stage"`
	StageLabel   string        `json:"stage_label"`
	Channel      string        `json:"channel"`
	ChannelLabel string        `json:"channel_label"`
	Status       string        `json:"status"`
	StatusLabel  string        `json:"status_label"`
	Amount       billing.Money `json:"amount_fen"`
	DueOn        *Date         `json:"due_on,omitempty"`     // the due date of the bill it was about
	PlannedOn    *Date         `json:"planned_on,omitempty"` // a notice's planned interruption
}

func toNoticeJSON(l i18n.Lang, r store.Reminder) noticeJSON {
	n := noticeJSON{RemindOn: Date(r.RemindOn), Stage: r.Stage, StageLabel: stageLabel(l, r.Stage), Channel: r.Channel,
		ChannelLabel: noticeChannelLabel(l, r.Channel), Status: string(r.Status), StatusLabel: reminderStatusLabel(l, r.Status),
		Amount: r.Amount}
	if !r.DueOn.IsZero() {
		due := Date(r.DueOn)
		n.DueOn = &due
	}
	if !r.PlannedOn.IsZero() {
		planned := Date(r.PlannedOn)
		n.PlannedOn = &planned
	}
	return n
}

// apiNotices answers GET /api/v1/accounts/{no}/notices?page=1&per_page=20: the reminders and notices
// sent about the account, newest first.
func (h *Handler) apiNotices(c *gin.Context) error {
	s, _ := auth.FromContext(c)
	no, err := web.AccountNo(c)
	if err != nil {
		return err
	}
	pg, err := web.ParsePaging(c, noticesPerPage)
	if err != nil {
		return err
	}
	reminders, total, err := h.svc.Notices(c.Request.Context(), s.Phone, no, store.Page{Limit: pg.Size, Offset: pg.Offset()})
	if err != nil {
		return err
	}
	l := web.Lang(c)
	out := make([]noticeJSON, len(reminders))
	for i, r := range reminders {
		out[i] = toNoticeJSON(l, r)
	}
	c.JSON(http.StatusOK, gin.H{"notices": out, "total": total, "page": pg.Page, "per_page": pg.Size})
	return nil
}
