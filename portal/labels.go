package portal

import (
	"fmt"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/i18n"
)

// itemLabel names a bill line item in the customer's language; an unknown one by its code.
func itemLabel(l i18n.Lang, code string) string {
	if label := i18n.T(l, "item."+code); label != "item."+code {
		return label
	}
	return code
}

// channelLabel names a payment channel in the customer's language; an unknown one by its code.
func channelLabel(l i18n.Lang, channel string) string {
	if label := i18n.T(l, "payments.channel."+channel); label != "payments.channel."+channel {
		return label
	}
	return channel
}

// periodText shows a billing period: 2026年10月 or Oct 2026.
func periodText(l i18n.Lang, p int) string {
	if l == i18n.EN {
		return fmt.Sprintf("%s %d", [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}[p%100-1], p/100)
	}
	return fmt.Sprintf("%d年%d月", p/100, p%100)
}

// billLabel names a bill by its period: 2026年10月电费账单, Bill for Oct 2026.
func billLabel(l i18n.Lang, period int) string {
	month := time.Date(period/100, time.Month(period%100), 1, 0, 0, 0, 0, time.UTC)
	if l == i18n.EN {
		return i18n.T(l, "dispute.bill_of", month.Format("Jan 2006"))
	}
	return i18n.T(l, "dispute.bill_of", fmt.Sprintf("%d年%d月", month.Year(), month.Month()))
}

// readingText shows a register reading with its two decimals.
func readingText(r billing.Reading) string {
	return fmt.Sprintf("%d.%02d", int64(r)/100, int64(r)%100)
}
