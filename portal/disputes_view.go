package portal

import (
	"fmt"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
	"gridpay/internal/store"
)

// disputeView is a dispute as its customer sees it, in the API and on the pages: codes with their
// labels in the customer's language, times in the bureau's time zone.
type disputeView struct {
	ID            int64                `json:"id"`
	AccountNo     string               `json:"account_no"`
	BillID        int64                `json:"bill_id,omitempty"`
	BillPeriod    string               `json:"bill_period,omitempty"` // "2026-10"
	BillLabel     string               `json:"bill_label,omitempty"`  // "2026年10月电费账单"
	Category      string               `json:"category"`
	CategoryLabel string               `json:"category_label"`
	Text          string               `json:"text"`
	Excerpt       string               `json:"-"` // the start of the text, for the list page
	Status        string               `json:"status"`
	StatusLabel   string               `json:"status_label"`
	PhotoURL      string               `json:"photo_url,omitempty"`
	CreatedAt     time.Time            `json:"created_at"`
	UpdatedAt     time.Time            `json:"updated_at"`
	Messages      []disputeMessageView `json:"messages,omitempty"`
}

// disputeMessageView is one message of a dispute's thread.
type disputeMessageView struct {
	ID          int64     `json:"id"`
	Author      string    `json:"author"` // customer | staff
	AuthorLabel string    `json:"author_label"`
	Text        string    `json:"text"`
	CreatedAt   time.Time `json:"created_at"`
}

// excerptRunes is how much of a dispute's text the list shows.
const excerptRunes = 40

func viewDispute(l i18n.Lang, d store.Dispute) disputeView {
	v := disputeView{ID: d.ID, AccountNo: d.AccountNo, BillID: d.BillID, Category: string(d.Category),
		CategoryLabel: i18n.T(l, "dispute.category."+string(d.Category)), Text: d.Text, Excerpt: excerpt(d.Text, excerptRunes),
		Status: string(d.Status), StatusLabel: i18n.T(l, "dispute.status."+string(d.Status)),
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	if d.BillID != 0 {
		period := billing.Period(d.BillPeriod)
		v.BillPeriod, v.BillLabel = period.String(), billLabel(l, period)
	}
	if d.HasPhoto {
		v.PhotoURL = fmt.Sprintf("/disputes/%d/photo", d.ID)
	}
	for _, m := range d.Messages {
		v.Messages = append(v.Messages, disputeMessageView{ID: m.ID, Author: m.Author,
			AuthorLabel: i18n.T(l, "dispute.author."+m.Author), Text: m.Text, CreatedAt: m.CreatedAt})
	}
	return v
}

// excerpt returns the first n runes of s, with an ellipsis when there is more.
func excerpt(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i] + "…"
		}
		n--
	}
	return s
}

// disputeOption is one choice of the category select.
type disputeOption struct {
	Value, Label string
	Selected     bool
}

func disputeOptions(l i18n.Lang, selected string) []disputeOption {
	var opts []disputeOption
	for _, c := range store.DisputeCategories() {
		opts = append(opts, disputeOption{Value: string(c), Label: i18n.T(l, "dispute.category."+string(c)), Selected: string(c) == selected})
	}
	return opts
}
