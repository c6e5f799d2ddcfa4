package portal

import (
	"gridpay/internal/billing"
	"gridpay/internal/i18n"
)

// codeLabel names a code in the customer's language by the catalog key prefix+code; a code the
// catalog does not know (a new channel, a stage of a utility's own) by itself.
func codeLabel(l i18n.Lang, prefix, code string) string {
	if label := i18n.T(l, prefix+code); label != prefix+code {
		return label
	}
	return code
}

// itemLabel names a bill line item in the customer's language; an unknown one by its code.
func itemLabel(l i18n.Lang, code string) string { return codeLabel(l, "item.", code) }

// channelLabel names a payment channel in the customer's language; an unknown one by its code.
func channelLabel(l i18n.Lang, channel string) string {
	return codeLabel(l, "payments.channel.", channel)
}

// stageLabel names what a reminder was (a billing.Stage): 到期提醒, 停电通知, ...
func stageLabel(l i18n.Lang, stage string) string { return codeLabel(l, "notices.stage.", stage) }

// noticeChannelLabel names the channel a reminder went through: 微信, 短信, ...
func noticeChannelLabel(l i18n.Lang, channel string) string {
	return codeLabel(l, "notices.channel.", channel)
}

// reminderStatusLabel says how a reminder's sending ended: 已发送, 已送达, 未送达.
func reminderStatusLabel(l i18n.Lang, s billing.ReminderStatus) string {
	return codeLabel(l, "notices.status.", string(s))
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
func readingText(r billing.Reading) string { return i18n.Reading(int64(r)) }
