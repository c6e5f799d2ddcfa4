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

// NoticeFrom is the first day a disconnection notice may be given about a bill due on due: the day
// it is more than 30 days overdue, after the formal 催交 of day 30. The reminder ladder sends no
// notice before it and the portal tells the customer to pay before it, so both read it here.
func NoticeFrom(due time.Time) time.Time {
	return EarliestDisconnection(due)
}

// PlannedDisconnection is the day supply is planned to be interrupted when a notice about a bill
// due on due is given on noticeDay with lead days of notice: never before EarliestDisconnection.
func PlannedDisconnection(due, noticeDay time.Time, lead int) time.Time {
	return maxTime(EarliestDisconnection(due), DateOf(noticeDay).AddDate(0, 0, lead))
}

// EarliestCutOff is the earliest day supply could be interrupted for a bill of class c due on due,
// seen on day today before any notice: a notice today or on NoticeFrom, whichever is later, and the
// law's notice days after it. It is the date the ladder plans when it gives that notice.
func EarliestCutOff(c Class, due, today time.Time) time.Time {
	return PlannedDisconnection(due, maxTime(DateOf(today), NoticeFrom(due)), NoticeDays(c))
}

// DailyLateFee is how much the late fee owed grows from on to the next day if nothing is paid: the
// figure that makes "the late fee grows by ¥x a day" true.
func DailyLateFee(open []BillBalance, on time.Time, r LateFeeRates) Money {
	next := DateOf(on).AddDate(0, 0, 1)
	return Summarize(open, next, r).LateFee - Summarize(open, on, r).LateFee
}
