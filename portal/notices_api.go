package portal

import (
	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/store"
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
	return answerAccountList(c, "notices", noticesPerPage, h.svc.Notices, toNoticeJSON)
}
