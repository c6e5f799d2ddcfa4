package portal

import (
	"fmt"

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
func periodText(l i18n.Lang, p billing.Period) string {
	if l == i18n.EN {
		return p.English()
	}
	return p.Chinese()
}

// billLabel names a bill by its period: 2026年10月电费账单, Bill for Oct 2026.
func billLabel(l i18n.Lang, p billing.Period) string {
	return i18n.T(l, "dispute.bill_of", periodText(l, p))
}

// readingText shows a register reading with its two decimals.
func readingText(r billing.Reading) string {
	return fmt.Sprintf("%d.%02d", int64(r)/100, int64(r)%100)
}
