package billing_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"gridpay/internal/billing"
)

// at parses "2006-01-02 15:04" in Beijing time; a bare date means 10:00, inside sending hours.
func at(s string) time.Time {
	if len(s) == len("2006-01-02") {
		s += " 10:00"
	}
	t, err := time.ParseInLocation("2006-01-02 15:04", s, beijing)
	if err != nil {
		panic(err)
	}
	return t
}

// bill is an unpaid bill of 200.00 due on due.
func bill(id int64, c billing.Class, due string) billing.BillBalance {
	return billing.BillBalance{ID: id, Class: c, Due: date(due), Principal: 20000}
}

// sent is a delivered reminder of stage st about bill id, sent on day on.
func sent(st billing.Stage, id int64, on string) billing.SentReminder {
	return billing.SentReminder{Stage: st, BillID: id, On: date(on), Delivered: true}
}

// sentUpTo returns the delivered history of every default stage before stage st of a bill due on
// due, each sent on its own day: an account the ladder has followed day by day.
func sentUpTo(st billing.Stage, id int64, c billing.Class, due string) []billing.SentReminder {
	var h []billing.SentReminder
	for _, s := range billing.DefaultLadder(c).Steps {
		if s.Stage == st {
			break
		}
		h = append(h, sent(s.Stage, id, date(due).AddDate(0, 0, s.Offset).Format("2006-01-02")))
	}
	return h
}

func policy() billing.ReminderPolicy { return billing.DefaultReminderPolicy(beijing) }

func TestDefaultLadderStagesFireOnTheirDay(t *testing.T) {
	for _, c := range []billing.Class{billing.Residential, billing.Commercial} {
		for _, step := range billing.DefaultLadder(c).Steps {
			t.Run(string(c)+"/"+string(step.Stage), func(t *testing.T) {
				s := billing.ReminderState{Account: billing.ReminderAccount{Class: c},
					Bills: []billing.BillBalance{bill(7, c, "2026-10-20")}, History: sentUpTo(step.Stage, 7, c, "2026-10-20")}
				on := date("2026-10-20").AddDate(0, 0, step.Offset).Format("2006-01-02")
				if d := billing.Decide(policy(), s, at(on)); d.Stage != step.Stage || d.BillID != 7 {
					t.Errorf("on %s: %+v, want stage %s about bill 7", on, d, step.Stage)
				}
				before := date(on).AddDate(0, 0, -1).Format("2006-01-02")
				if d := billing.Decide(policy(), s, at(before)); d.Stage == step.Stage {
					t.Errorf("on %s, the day before: %+v, want no %s", before, d, step.Stage)
				}
				s.History = append(s.History, sent(step.Stage, 7, on))
				if d := billing.Decide(policy(), s, at(on)); d.Send() || d.Reason != billing.ReasonAlreadySent {
					t.Errorf("on %s with %s on record: %+v, want nothing sent, already sent", on, step.Stage, d)
				}
			})
		}
	}
}

func TestDecideOverDates(t *testing.T) {
	res := billing.ReminderAccount{Class: billing.Residential}
	tests := []struct {
		name    string
		state   billing.ReminderState
		now     string
		policy  func(*billing.ReminderPolicy)
		stage   billing.Stage
		billID  int64
		reason  billing.Reason
		amount  billing.Money
		planned string
	}{
		{"year boundary: 3 days before a due date of 2025-12-20",
			billing.ReminderState{Account: res, Bills: []billing.BillBalance{bill(1, billing.Residential, "2025-12-20")}},
			"2025-12-17", nil, billing.StageBeforeDue, 1, "", 20000, ""},
		{"year boundary: 15 days overdue falls in the new year",
			billing.ReminderState{Account: res, Bills: []billing.BillBalance{bill(1, billing.Residential, "2025-12-20")},
				History: sentUpTo(billing.StageOverdue15, 1, billing.Residential, "2025-12-20")},
			"2026-01-04", nil, billing.StageOverdue15, 1, "", 20300, ""},
		{"year boundary: the notice on 2026-01-20 plans 2026-01-27",
			billing.ReminderState{Account: res, Bills: []billing.BillBalance{bill(1, billing.Residential, "2025-12-20")},
				History: sentUpTo(billing.StageNotice, 1, billing.Residential, "2025-12-20")},
			"2026-01-20", nil, billing.StageNotice, 1, "", 20620, "2026-01-27"},
		{"leap day: due 2028-02-29, 1 day overdue on 03-01",
			billing.ReminderState{Account: res, Bills: []billing.BillBalance{bill(1, billing.Residential, "2028-02-29")},
				History: sentUpTo(billing.StageOverdue1, 1, billing.Residential, "2028-02-29")},
			"2028-03-01", nil, billing.StageOverdue1, 1, "", 20100, ""},
		{"leap day: 3 days before is 02-26",
			billing.ReminderState{Account: res, Bills: []billing.BillBalance{bill(1, billing.Residential, "2028-02-29")}},
			"2028-02-26", nil, billing.StageBeforeDue, 1, "", 20000, ""},
		{"leap day: the 催交 on 03-30, 30 days after",
			billing.ReminderState{Account: res, Bills: []billing.BillBalance{bill(1, billing.Residential, "2028-02-29")},
				History: sentUpTo(billing.StageCuijiao, 1, billing.Residential, "2028-02-29")},
			"2028-03-30", nil, billing.StageCuijiao, 1, "", 20600, ""},
		{"a due date on a holiday sends nothing that day",
			billing.ReminderState{Account: res, Bills: []billing.BillBalance{bill(1, billing.Residential, "2026-10-01")},
				History: sentUpTo(billing.StageDue, 1, billing.Residential, "2026-10-01")},
			"2026-10-01", holidays("2026-10-01"), "", 1, billing.ReasonSuppressedDay, 0, ""},
		{"after the holiday the stage of the day is sent, not the missed one",
			billing.ReminderState{Account: res, Bills: []billing.BillBalance{bill(1, billing.Residential, "2026-10-01")},
				History: sentUpTo(billing.StageDue, 1, billing.Residential, "2026-10-01")},
			"2026-10-02", holidays("2026-10-01"), billing.StageOverdue1, 1, "", 20100, ""},
		{"a 催交 missed on a holiday is sent the next day instead of the notice",
			billing.ReminderState{Account: res, Bills: []billing.BillBalance{bill(1, billing.Residential, "2026-10-20")},
				History: sentUpTo(billing.StageCuijiao, 1, billing.Residential, "2026-10-20")},
			"2026-11-20", nil, billing.StageCuijiao, 1, "", 20620, ""},
		{"a partial payment that clears the oldest bill only: the ladder is about the next bill",
			billing.ReminderState{Account: res, Bills: []billing.BillBalance{
				{ID: 1, Class: billing.Residential, Due: date("2026-09-20"), Principal: 20000, PrincipalPaid: 20000,
					FeeAccrued: 400, FeePaid: 400, AccruedThrough: date("2026-10-10")},
				bill(2, billing.Residential, "2026-10-20")},
				History: sentUpTo(billing.StageOverdue1, 1, billing.Residential, "2026-09-20")},
			"2026-10-21", nil, billing.StageOverdue1, 2, "", 20100, ""},
		{"the oldest bill still partly open keeps the ladder on it",
			billing.ReminderState{Account: res, Bills: []billing.BillBalance{
				bill(2, billing.Residential, "2026-10-20"),
				{ID: 1, Class: billing.Residential, Due: date("2026-09-20"), Principal: 20000, PrincipalPaid: 10000,
					FeeAccrued: 400, FeePaid: 400, AccruedThrough: date("2026-10-10")}},
				History: sentUpTo(billing.StageCuijiao, 1, billing.Residential, "2026-09-20")},
			"2026-10-20", nil, billing.StageCuijiao, 1, "", 30100, ""},
		{"only the late fee of the oldest bill is open: the ladder stays on it",
			billing.ReminderState{Account: res, Bills: []billing.BillBalance{
				bill(2, billing.Residential, "2026-10-20"),
				{ID: 1, Class: billing.Residential, Due: date("2026-09-20"), Principal: 20000, PrincipalPaid: 20000,
					FeeAccrued: 100, AccruedThrough: date("2026-09-25")}},
				History: sentUpTo(billing.StageOverdue15, 1, billing.Residential, "2026-09-20")},
			"2026-10-05", nil, billing.StageOverdue15, 1, "", 20100, ""},
		{"two bills due the same day: the lower id",
			billing.ReminderState{Account: res, Bills: []billing.BillBalance{bill(5, billing.Residential, "2026-10-20"), bill(4, billing.Residential, "2026-10-20")}},
			"2026-10-20", nil, billing.StageDue, 4, "", 40000, ""},
		{"a dispute on another bill does not stop the reminder",
			billing.ReminderState{Account: res, Bills: []billing.BillBalance{bill(1, billing.Residential, "2026-10-20")},
				Disputed: []int64{9}},
			"2026-10-20", nil, billing.StageDue, 1, "", 20000, ""},
		{"exempt on the day before the exemption ends",
			billing.ReminderState{Account: billing.ReminderAccount{Class: billing.Residential, ExemptTo: date("2026-10-20")},
				Bills: []billing.BillBalance{bill(1, billing.Residential, "2026-10-20")}},
			"2026-10-19", nil, "", 0, billing.ReasonExempt, 0, ""},
		{"reminded again on the day the exemption ends",
			billing.ReminderState{Account: billing.ReminderAccount{Class: billing.Residential, ExemptTo: date("2026-10-20")},
				Bills: []billing.BillBalance{bill(1, billing.Residential, "2026-10-20")}},
			"2026-10-20", nil, billing.StageDue, 1, "", 20000, ""},
		{"nothing before the first stage",
			billing.ReminderState{Account: res, Bills: []billing.BillBalance{bill(1, billing.Residential, "2026-10-20")}},
			"2026-10-16", nil, "", 1, billing.ReasonNothingDue, 0, ""},
		{"no bills and not prepaid",
			billing.ReminderState{Account: res}, "2026-10-16", nil, "", 0, billing.ReasonNothingDue, 0, ""},
		{"prepaid under the threshold",
			billing.ReminderState{Account: billing.ReminderAccount{Class: billing.Residential, Prepaid: true, Balance: 1999}},
			"2026-10-16", nil, billing.StageLowBalance, 0, "", 1999, ""},
		{"prepaid at the threshold",
			billing.ReminderState{Account: billing.ReminderAccount{Class: billing.Residential, Prepaid: true, Balance: 2000}},
			"2026-10-16", nil, "", 0, billing.ReasonNothingDue, 0, ""},
		{"prepaid alerted 6 days ago",
			billing.ReminderState{Account: billing.ReminderAccount{Class: billing.Residential, Prepaid: true, Balance: 500},
				History: []billing.SentReminder{sent(billing.StageLowBalance, 0, "2026-10-10")}},
			"2026-10-16", nil, "", 0, billing.ReasonAlreadySent, 0, ""},
		{"prepaid alerted 7 days ago is alerted again",
			billing.ReminderState{Account: billing.ReminderAccount{Class: billing.Residential, Prepaid: true, Balance: 500},
				History: []billing.SentReminder{sent(billing.StageLowBalance, 0, "2026-10-09")}},
			"2026-10-16", nil, billing.StageLowBalance, 0, "", 500, ""},
		{"a history record without a bill id matches by due date",
			billing.ReminderState{Account: res, Bills: []billing.BillBalance{bill(1, billing.Residential, "2026-10-20")},
				History: []billing.SentReminder{{Stage: billing.StageDue, Due: date("2026-10-20"), On: date("2026-10-20")}}},
			"2026-10-20", nil, "", 1, billing.ReasonAlreadySent, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := policy()
			if tc.policy != nil {
				tc.policy(&p)
			}
			d := billing.Decide(p, tc.state, at(tc.now))
			if d.Stage != tc.stage || d.BillID != tc.billID || d.Reason != tc.reason || d.Amount != tc.amount {
				t.Errorf("Decide = %+v, want stage %q bill %d reason %q amount %s", d, tc.stage, tc.billID, tc.reason, tc.amount)
			}
			if (tc.planned == "") != d.Planned.IsZero() || tc.planned != "" && !d.Planned.Equal(date(tc.planned)) {
				t.Errorf("Planned = %s, want %q", d.Planned.Format("2006-01-02"), tc.planned)
			}
		})
	}
}

func holidays(days ...string) func(*billing.ReminderPolicy) {
	return func(p *billing.ReminderPolicy) {
		for _, d := range days {
			p.Suppressed = append(p.Suppressed, date(d))
		}
	}
}

// TestNoticeNeedsEveryPrecondition starts from a lawful notice and removes one precondition at a
// time: each removal alone must keep the notice from being sent.
func TestNoticeNeedsEveryPrecondition(t *testing.T) {
	lawful := func() (billing.ReminderPolicy, billing.ReminderState) {
		return policy(), billing.ReminderState{Account: billing.ReminderAccount{Class: billing.Residential},
			Bills:   []billing.BillBalance{bill(1, billing.Residential, "2026-10-20")},
			History: sentUpTo(billing.StageNotice, 1, billing.Residential, "2026-10-20")}
	}
	const day = "2026-11-20" // 31 days after the due date: the first lawful day
	if p, s := lawful(); billing.Decide(p, s, at(day)).Stage != billing.StageNotice {
		t.Fatalf("the lawful case sends %+v, want a notice", billing.Decide(p, s, at(day)))
	}
	tests := []struct {
		name     string
		remove   func(*billing.ReminderPolicy, *billing.ReminderState)
		reason   billing.Reason
		withheld billing.Precondition
	}{
		{"not more than 30 days overdue (a ladder configured to notice on day 30)", func(p *billing.ReminderPolicy, s *billing.ReminderState) {
			l := billing.DefaultLadder(billing.Residential)
			l.Steps[len(l.Steps)-1].Offset = 30
			p.Ladders[billing.Residential] = l
			s.Bills[0].Due = date("2026-10-21")
		}, billing.ReasonNoticeWithheld, billing.NeedOverdue},
		{"no 催交 on record", func(_ *billing.ReminderPolicy, s *billing.ReminderState) {
			s.History = sentUpTo(billing.StageCuijiao, 1, billing.Residential, "2026-10-20")
		}, "", billing.NeedCuijiaoOnRecord},
		{"the 催交 not delivered", func(_ *billing.ReminderPolicy, s *billing.ReminderState) {
			s.History[len(s.History)-1].Delivered = false
		}, billing.ReasonNoticeWithheld, billing.NeedCuijiaoDelivered},
		{"the 催交 was about another bill", func(_ *billing.ReminderPolicy, s *billing.ReminderState) {
			s.History[len(s.History)-1].BillID = 2
		}, "", billing.NeedCuijiaoOnRecord},
		{"paid", func(_ *billing.ReminderPolicy, s *billing.ReminderState) {
			s.Bills[0].PrincipalPaid, s.Bills[0].FeeAccrued, s.Bills[0].FeePaid = 20000, 620, 620
			s.Bills[0].AccruedThrough = date(day)
		}, billing.ReasonNothingDue, ""},
		{"a lead time shorter than the law's 7 days", func(p *billing.ReminderPolicy, _ *billing.ReminderState) {
			l := billing.DefaultLadder(billing.Residential)
			l.NoticeLeadDays = 6
			p.Ladders[billing.Residential] = l
		}, billing.ReasonNoticeWithheld, billing.NeedLeadTime},
		{"a payment in flight", func(_ *billing.ReminderPolicy, s *billing.ReminderState) { s.InFlight = true },
			billing.ReasonInFlight, ""},
		{"an open dispute on the bill", func(_ *billing.ReminderPolicy, s *billing.ReminderState) { s.Disputed = []int64{1} },
			billing.ReasonDisputed, ""},
		{"an open dispute about the account, naming no bill", func(_ *billing.ReminderPolicy, s *billing.ReminderState) {
			s.DisputedAccount = true
		}, billing.ReasonDisputed, ""},
		{"a protected customer", func(_ *billing.ReminderPolicy, s *billing.ReminderState) { s.Account.Protected = true },
			billing.ReasonProtected, ""},
		{"an exempted account", func(_ *billing.ReminderPolicy, s *billing.ReminderState) { s.Account.ExemptTo = date("2026-11-21") },
			billing.ReasonExempt, ""},
		{"a suppressed day", func(p *billing.ReminderPolicy, _ *billing.ReminderState) { holidays(day)(p) },
			billing.ReasonSuppressedDay, ""},
		{"the notice already sent", func(_ *billing.ReminderPolicy, s *billing.ReminderState) {
			s.History = append(s.History, sent(billing.StageNotice, 1, "2026-11-20"))
		}, billing.ReasonAlreadySent, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, s := lawful()
			tc.remove(&p, &s)
			d := billing.Decide(p, s, at(day))
			if d.Stage == billing.StageNotice || d.Reason != tc.reason || d.Withheld != tc.withheld {
				t.Errorf("Decide = %+v, want no notice, reason %q, withheld %q", d, tc.reason, tc.withheld)
			}
		})
	}
}

func TestNoticePlanAndFinalNotice(t *testing.T) {
	for _, tc := range []struct {
		name      string
		account   billing.ReminderAccount
		planned   string
		finalAt   string
		copyAdmin bool
	}{
		{"residential: 7 days of notice, no repeat", billing.ReminderAccount{Class: billing.Residential}, "2026-11-27", "", false},
		{"commercial: 3 days of notice, a repeat at 09:00", billing.ReminderAccount{Class: billing.Commercial}, "2026-11-23", "2026-11-23 09:00", false},
		{"important large industry: copied to the administration", billing.ReminderAccount{Class: billing.LargeIndustry, Important: true},
			"2026-11-23", "2026-11-23 09:00", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.account.Class
			s := billing.ReminderState{Account: tc.account, Bills: []billing.BillBalance{bill(1, c, "2026-10-20")},
				History: sentUpTo(billing.StageNotice, 1, c, "2026-10-20")}
			d := billing.Decide(policy(), s, at("2026-11-20"))
			if d.Stage != billing.StageNotice || !d.Planned.Equal(date(tc.planned)) || d.CopyAdministration != tc.copyAdmin {
				t.Fatalf("Decide = %+v, want a notice planning %s, copy to administration %v", d, tc.planned, tc.copyAdmin)
			}
			if tc.finalAt == "" && !d.FinalAt.IsZero() || tc.finalAt != "" && !d.FinalAt.Equal(at(tc.finalAt)) {
				t.Errorf("FinalAt = %s, want %q", d.FinalAt, tc.finalAt)
			}
			notice := sent(billing.StageNotice, 1, "2026-11-20")
			notice.Planned = d.Planned
			s.History = append(s.History, notice)
			early := billing.Decide(policy(), s, at(tc.planned+" 08:30"))
			onTime := billing.Decide(policy(), s, at(tc.planned+" 09:00"))
			if tc.finalAt == "" {
				if early.Send() || onTime.Send() {
					t.Errorf("on the planned day a residential customer gets %+v / %+v, want nothing", early, onTime)
				}
				return
			}
			if early.Send() || early.Reason != billing.ReasonFinalNotYet || !early.WaitUntil.Equal(at(tc.finalAt)) {
				t.Errorf("at 08:30: %+v, want wait until %s", early, tc.finalAt)
			}
			if onTime.Stage != billing.StageNoticeFinal || !onTime.Planned.Equal(d.Planned) {
				t.Errorf("at 09:00: %+v, want the final notice", onTime)
			}
			s.History = append(s.History, sent(billing.StageNoticeFinal, 1, tc.planned))
			if again := billing.Decide(policy(), s, at(tc.planned+" 09:30")); again.Send() || again.Reason != billing.ReasonAlreadySent {
				t.Errorf("after the final notice: %+v, want already sent", again)
			}
			notice.Delivered = false
			s.History = append(s.History[:len(s.History)-2], notice)
			if undelivered := billing.Decide(policy(), s, at(tc.planned+" 09:00")); undelivered.Stage == billing.StageNoticeFinal {
				t.Errorf("a final notice after an undelivered notice: %+v", undelivered)
			}
		})
	}
}

// TestLadderAgreesWithThePortalClock holds the ladder to the clock the portal shows: the first
// notice comes on NoticeFrom, and the disconnection it plans is the EarliestCutOff the customer saw
// that day.
func TestLadderAgreesWithThePortalClock(t *testing.T) {
	for _, c := range billing.Classes() {
		for _, late := range []int{0, 1, 6, 40} {
			due := "2026-12-20"
			day := billing.NoticeFrom(date(due)).AddDate(0, 0, late)
			t.Run(fmt.Sprintf("%s/%d days after the first notice day", c, late), func(t *testing.T) {
				s := billing.ReminderState{Account: billing.ReminderAccount{Class: c}, Bills: []billing.BillBalance{bill(1, c, due)},
					History: sentUpTo(billing.StageNotice, 1, c, due)}
				noon := time.Date(day.Year(), day.Month(), day.Day(), 12, 0, 0, 0, beijing)
				d := billing.Decide(policy(), s, noon)
				if want := billing.EarliestCutOff(c, date(due), day); d.Stage != billing.StageNotice || !d.Planned.Equal(want) {
					t.Errorf("Decide = %+v, want a notice planning %s as the portal shows", d, want.Format("2006-01-02"))
				}
				before := billing.NoticeFrom(date(due)).AddDate(0, 0, -1)
				if d := billing.Decide(policy(), s, time.Date(before.Year(), before.Month(), before.Day(), 12, 0, 0, 0, beijing)); d.Stage == billing.StageNotice {
					t.Errorf("a notice the day before NoticeFrom: %+v", d)
				}
			})
		}
	}
}

func TestQuietHours(t *testing.T) {
	s := billing.ReminderState{Account: billing.ReminderAccount{Class: billing.Residential},
		Bills: []billing.BillBalance{bill(1, billing.Residential, "2026-10-20")}}
	for _, tc := range []struct {
		name, now, wait string
	}{
		{"21:00 starts the quiet hours", "2026-10-20 21:00", "2026-10-21 08:00"},
		{"late evening waits until the next morning", "2026-10-20 23:59", "2026-10-21 08:00"},
		{"after midnight waits until this morning", "2026-10-21 07:59", "2026-10-21 08:00"},
		{"08:00 sends", "2026-10-21 08:00", ""},
		{"20:59 sends", "2026-10-20 20:59", ""},
		{"a moment in UTC is read in bureau time", "2026-10-20 13:00", "2026-10-21 08:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := at(tc.now)
			if tc.name == "a moment in UTC is read in bureau time" {
				now = time.Date(2026, 10, 20, 13, 0, 0, 0, time.UTC) // 21:00 in Beijing
			}
			d := billing.Decide(policy(), s, now)
			if tc.wait == "" {
				if !d.Send() {
					t.Errorf("Decide = %+v, want a reminder", d)
				}
				return
			}
			if d.Send() || d.Reason != billing.ReasonQuietHours || !d.WaitUntil.Equal(at(tc.wait)) {
				t.Errorf("Decide = %+v, want quiet hours until %s", d, tc.wait)
			}
		})
	}
}

// TestDecideAgainBeforeSending is the re-check of the sender: a decision made in the morning run is
// made again with fresh state just before sending, and money that arrived in between sends nothing.
func TestDecideAgainBeforeSending(t *testing.T) {
	s := billing.ReminderState{Account: billing.ReminderAccount{Class: billing.Residential},
		Bills: []billing.BillBalance{bill(1, billing.Residential, "2026-10-20")}, History: sentUpTo(billing.StageOverdue15, 1, billing.Residential, "2026-10-20")}
	if d := billing.Decide(policy(), s, at("2026-11-04 08:00")); d.Stage != billing.StageOverdue15 {
		t.Fatalf("the run decides %+v, want overdue_15", d)
	}
	for _, tc := range []struct {
		name   string
		change func(*billing.ReminderState)
		reason billing.Reason
	}{
		{"paid, not yet posted", func(s *billing.ReminderState) { s.InFlight = true }, billing.ReasonInFlight},
		{"paid and posted", func(s *billing.ReminderState) {
			s.Bills[0].PrincipalPaid, s.Bills[0].FeeAccrued, s.Bills[0].FeePaid = 20000, 300, 300
			s.Bills[0].AccruedThrough = date("2026-11-04")
		}, billing.ReasonNothingDue},
		{"a dispute filed", func(s *billing.ReminderState) { s.Disputed = []int64{1} }, billing.ReasonDisputed},
		{"a dispute about the account filed", func(s *billing.ReminderState) { s.DisputedAccount = true }, billing.ReasonDisputed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fresh := s
			fresh.Bills = append([]billing.BillBalance(nil), s.Bills...)
			tc.change(&fresh)
			if d := billing.Decide(policy(), fresh, at("2026-11-04 08:05")); d.Send() || d.Reason != tc.reason {
				t.Errorf("Decide again = %+v, want nothing sent, %q", d, tc.reason)
			}
		})
	}
}

func TestReminderPolicyValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*billing.ReminderPolicy)
		valid  bool
	}{
		{"the default", func(*billing.ReminderPolicy) {}, true},
		{"a longer notice lead", func(p *billing.ReminderPolicy) {
			setLadder(p, billing.Residential, func(l *billing.Ladder) { l.NoticeLeadDays = 10 })
		}, true},
		{"no quiet hours", func(p *billing.ReminderPolicy) { p.QuietFrom, p.QuietUntil = 0, 0 }, true},
		{"no location", func(p *billing.ReminderPolicy) { p.Location = nil }, false},
		{"quiet hours past the day", func(p *billing.ReminderPolicy) { p.QuietFrom = 25 * time.Hour }, false},
		{"an unknown class", func(p *billing.ReminderPolicy) { p.Ladders["industrial"] = billing.DefaultLadder(billing.Commercial) }, false},
		{"a notice lead shorter than the law's", func(p *billing.ReminderPolicy) {
			setLadder(p, billing.Commercial, func(l *billing.Ladder) { l.NoticeLeadDays = 2 })
		}, false},
		{"steps out of order", func(p *billing.ReminderPolicy) {
			setLadder(p, billing.Residential, func(l *billing.Ladder) { l.Steps[0], l.Steps[1] = l.Steps[1], l.Steps[0] })
		}, false},
		{"a stage twice", func(p *billing.ReminderPolicy) {
			setLadder(p, billing.Residential, func(l *billing.Ladder) { l.Steps[1].Stage = billing.StageBeforeDue })
		}, false},
		{"the final notice as a day's step", func(p *billing.ReminderPolicy) {
			setLadder(p, billing.Residential, func(l *billing.Ladder) {
				l.Steps = append(l.Steps, billing.Step{Stage: billing.StageNoticeFinal, Offset: 40})
			})
		}, false},
		{"a notice without a 催交", func(p *billing.ReminderPolicy) {
			setLadder(p, billing.Residential, func(l *billing.Ladder) { l.Steps = slices.Delete(l.Steps, 4, 5) })
		}, false},
		{"a final notice in quiet hours", func(p *billing.ReminderPolicy) {
			setLadder(p, billing.Commercial, func(l *billing.Ladder) { l.DisconnectAt = 8*time.Hour + 30*time.Minute })
		}, false},
		{"a residential interruption early in the morning needs no final notice", func(p *billing.ReminderPolicy) {
			setLadder(p, billing.Residential, func(l *billing.Ladder) { l.DisconnectAt = 8*time.Hour + 30*time.Minute })
		}, true},
		{"a final notice before midnight", func(p *billing.ReminderPolicy) {
			setLadder(p, billing.Commercial, func(l *billing.Ladder) { l.DisconnectAt = 30 * time.Minute })
		}, false},
		{"a negative low-balance threshold", func(p *billing.ReminderPolicy) {
			setLadder(p, billing.Residential, func(l *billing.Ladder) { l.LowBalance = -1 })
		}, false},
		{"a negative late-fee rate", func(p *billing.ReminderPolicy) {
			p.Rates[billing.Residential] = billing.LateFeeRate{CurrentYear: -1, CrossYear: 1}
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := policy()
			tc.change(&p)
			err := p.Validate()
			if tc.valid != (err == nil) || err != nil && !errors.Is(err, billing.ErrInvalid) {
				t.Errorf("Validate = %v, want valid %v", err, tc.valid)
			}
		})
	}
}

// setLadder changes a copy of the ladder of class c, so the default's steps are never shared.
func setLadder(p *billing.ReminderPolicy, c billing.Class, change func(*billing.Ladder)) {
	l := billing.DefaultLadder(c)
	change(&l)
	p.Ladders[c] = l
}

// TestDeliveredRecordSpeaksForTheStage: a stage tried on two channels has two records; a 催交 that
// failed on WeChat and reached the customer by SMS is a delivered 催交, whichever record comes first.
func TestDeliveredRecordSpeaksForTheStage(t *testing.T) {
	for _, order := range []string{"failed first", "delivered first"} {
		t.Run(order, func(t *testing.T) {
			h := sentUpTo(billing.StageCuijiao, 1, billing.Residential, "2026-10-20")
			failed := sent(billing.StageCuijiao, 1, "2026-11-19")
			failed.Delivered = false
			delivered := sent(billing.StageCuijiao, 1, "2026-11-19")
			if order == "failed first" {
				h = append(h, failed, delivered)
			} else {
				h = append(h, delivered, failed)
			}
			s := billing.ReminderState{Account: billing.ReminderAccount{Class: billing.Residential},
				Bills: []billing.BillBalance{bill(1, billing.Residential, "2026-10-20")}, History: h}
			if d := billing.Decide(policy(), s, at("2026-11-20")); d.Stage != billing.StageNotice {
				t.Errorf("Decide = %+v, want the notice", d)
			}
			s.History = append(sentUpTo(billing.StageCuijiao, 1, billing.Residential, "2026-10-20"), failed)
			if d := billing.Decide(policy(), s, at("2026-11-20")); d.Send() || d.Withheld != billing.NeedCuijiaoDelivered {
				t.Errorf("with only the failed record: %+v, want the notice withheld for %s", d, billing.NeedCuijiaoDelivered)
			}
		})
	}
}
