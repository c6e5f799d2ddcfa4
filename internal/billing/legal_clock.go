package billing

import "time"

// The legal clock of disconnection for arrears (docs/domain.md, "Arrears and disconnection"): supply may
// be interrupted only when a bill is more than 30 days overdue, and only after a notice given at
// least 7 days before (residential) or 3 days before (everyone else).
const (
	DisconnectAfterDays      = 30
	ResidentialNoticeDays    = 7
	NonResidentialNoticeDays = 3
)

// NoticeDays is how many days before an interruption the notice must reach a customer of class c.
func NoticeDays(c Class) int {
	if c == Residential {
		return ResidentialNoticeDays
	}
	return NonResidentialNoticeDays
}

// EarliestDisconnection is the first day supply could lawfully be interrupted for a bill due on
// due: the day it becomes more than 30 days overdue.
func EarliestDisconnection(due time.Time) time.Time {
	return DateOf(due).AddDate(0, 0, DisconnectAfterDays+1)
}

// NoticeFrom is the first day a disconnection notice could be given for a bill due on due, so that
// its notice period ends on the earliest disconnection day. Paying before it keeps every notice away.
func NoticeFrom(c Class, due time.Time) time.Time {
	return EarliestDisconnection(due).AddDate(0, 0, -NoticeDays(c))
}

// DailyLateFee is how much the late fee owed grows from on to the next day if nothing is paid: the
// figure that makes "the late fee grows by ¥x a day" true.
func DailyLateFee(open []BillBalance, on time.Time, r LateFeeRates) Money {
	next := DateOf(on).AddDate(0, 0, 1)
	return Summarize(open, next, r).LateFee - Summarize(open, on, r).LateFee
}
