package billing

import "time"

// Arrears is the amount due on a date over a set of bills.
type Arrears struct {
	Principal      Money     // open principal
	LateFee        Money     // sum of LateFee(on).due
	Total          Money     // Principal + LateFee
	OldestDue      time.Time // due date (as DateOf) of the oldest bill with anything open; zero when none
	Bills          int       // bills with anything open
	MaxDaysOverdue int       // days on is past the oldest open due date (0 when not overdue)
}

// Summarize returns what the bills owe if paid in full on date on: the figure a customer sees and
// the reminder ladder counts days from. Bills owing nothing are left out.
func Summarize(open []BillBalance, on time.Time, r LateFeeRates) Arrears {
	var a Arrears
	for _, b := range open {
		fee, _ := b.LateFee(on, r)
		principal := b.OpenPrincipal()
		if fee+principal == 0 {
			continue
		}
		a.Bills++
		a.Principal += principal
		a.LateFee += fee
		if due := DateOf(b.Due); a.OldestDue.IsZero() || due.Before(a.OldestDue) {
			a.OldestDue = due
		}
	}
	a.Total = a.Principal + a.LateFee
	if a.Bills > 0 {
		a.MaxDaysOverdue = int(max(daysBetween(a.OldestDue, DateOf(on)), 0))
	}
	return a
}
