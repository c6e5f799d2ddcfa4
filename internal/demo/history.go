package demo

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// NULLs go to the loader typed: go-mssqldb sends a bare nil as TDS type 0x1F, which not every
// server takes (store.Loader.Add refuses it).
var (
	noReading = sql.NullInt64{} // peak/flat/valley of a meter without time-of-use registers
	noID      = sql.NullInt64{} // a prepaid ledger entry's receipt or bill, when it has none
)

// event is a dated step in an account's history.
type event struct {
	on     time.Time
	period int  // index into periods for a bill issue; -1 for a payment
	topUp  bool // a prepayer's top-up: what is owed, rounded up, plus a margin
	amount billing.Money
}

// account generates one account with its meter, readings, bills and payment history.
func (g *generator) account(l *store.Loader, i int) {
	r := rand.New(rand.NewPCG(g.o.Seed, uint64(i)+1))
	p := g.profile(r, i)
	accountID := int64(i + 1)
	g.meterID++
	meterID := g.meterID
	opened := g.periods[0].FirstDay().AddDate(0, -r.IntN(120), -r.IntN(28))

	// Readings: the opening one at the end of periods[0], then one per billed period.
	sp := span(p.meter)
	var regs registers
	regs[regTotal] = r.Int64N(sp / 3)
	if p.meter.Digits == 5 {
		regs[regTotal] = sp - sp/200 - r.Int64N(sp/100) // near the top, to show a rollover
	}
	if p.tou {
		regs[regPeak] = regs[regTotal] * 35 / 100
		regs[regFlat] = regs[regTotal] * 40 / 100
		regs[regValley] = regs[regTotal] - regs[regPeak] - regs[regFlat]
	}
	history := make([]registers, len(g.periods))
	history[0] = regs
	for j := 1; j < len(g.periods); j++ {
		per := g.periods[j]
		kwh := p.baseKWh * seasonal(p.class, int(per.Month())) * (0.85 + 0.3*r.Float64())
		units := int64(kwh*100/float64(p.meter.Multiplier)) + r.Int64N(100)
		history[j] = advance(history[j-1], units, p.tou, sp, r)
	}
	for j, per := range g.periods {
		h := history[j]
		if p.tou {
			l.Add("readings", meterID, int(per), readOn(per), h[regTotal], h[regPeak], h[regFlat], h[regValley])
		} else {
			l.Add("readings", meterID, int(per), readOn(per), h[regTotal], noReading, noReading, noReading)
		}
	}
	g.stats.Readings += len(g.periods)
	if p.smart {
		g.dailyReadings(l, r, meterID, p, history)
	}

	// Bills and payments, in date order, through billing's own rules.
	events := g.plan(r, p)
	var (
		bills     []billing.BillBalance
		billIDs   = map[int64]int{}
		prepaid   billing.Money
		yearKWh   = map[int]int64{}
		payments  int
		rates     = g.o.Rates
		billTable = make([][]any, 0, len(g.periods))
	)
	for _, ev := range events {
		if ev.period >= 0 {
			per := g.periods[ev.period]
			u := billing.Usage{CapacityKVA: p.capacity, PriorYearKWh: yearKWh[per.Year()]}
			prev, cur := history[ev.period-1], history[ev.period]
			if p.tou {
				u.Registers = map[billing.Register]int64{
					billing.Peak:   mustConsume(p.meter, prev[regPeak], cur[regPeak]),
					billing.Flat:   mustConsume(p.meter, prev[regFlat], cur[regFlat]),
					billing.Valley: mustConsume(p.meter, prev[regValley], cur[regValley]),
				}
				for _, k := range u.Registers {
					u.KWh += k
				}
			} else {
				u.KWh = mustConsume(p.meter, prev[regTotal], cur[regTotal])
			}
			yearKWh[per.Year()] += u.KWh
			items, err := p.tariff.Bill(u)
			if err != nil {
				panic(fmt.Sprintf("demo: tariff %s: %v", p.tariff.Code, err))
			}
			g.billID++
			b := billing.BillBalance{ID: g.billID, Period: int(per), Class: p.class, Due: dueOn(per), Principal: billing.Total(items)}
			for n, it := range items {
				l.Add("bill_items", b.ID, n+1, it.Code, it.Quantity, int64(it.UnitPrice), int64(it.Amount))
			}
			billTable = append(billTable, []any{b.ID, accountID, int(per), string(p.class), p.tariff.id, issuedOn(per), dueOn(per), u.KWh})
			billIDs[b.ID] = len(bills)
			if used, a := billing.ApplyPrepaid(prepaid, b, ev.on, rates); used > 0 {
				b = a.Bills[0].After
				prepaid -= used
				g.ledgerID++
				l.Add("prepaid_ledger", g.ledgerID, accountID, ev.on, -int64(used), int64(prepaid), "bill", noID, b.ID)
			}
			bills = append(bills, b)
			continue
		}
		open := openOnly(bills)
		amount := ev.amount
		if amount <= 0 || ev.topUp {
			owed := billing.Summarize(open, ev.on, rates).Total
			switch {
			case owed == 0:
				continue
			case ev.topUp: // round up to 100 yuan and keep 200 yuan in hand
				amount = (owed+9999)/10000*10000 + 20000
			case amount == partialMarker:
				amount = max(owed/2, 1)
			default:
				amount = owed
			}
		}
		a, err := billing.Allocate(open, amount, ev.on, rates)
		if err != nil {
			panic(fmt.Sprintf("demo: allocate: %v", err))
		}
		payments++
		g.receipt(l, r, accountID, i, payments, ev.on, amount, a, &prepaid)
		for _, ap := range a.Bills {
			bills[billIDs[ap.BillID]] = ap.After
		}
	}
	for j, b := range bills {
		through := sql.NullTime{Time: b.AccruedThrough, Valid: !b.AccruedThrough.IsZero()}
		l.Add("bills", append(billTable[j], int64(b.Principal), int64(b.PrincipalPaid), int64(b.FeeAccrued),
			int64(b.FeePaid), through, string(b.Status()))...)
	}
	g.stats.Bills += len(bills)
	if billing.Summarize(openOnly(bills), g.today, g.o.Rates).MaxDaysOverdue > 0 {
		g.stats.InArrears++
	}
	if prepaid > 0 {
		g.stats.Prepaid++
	}
	l.Add("accounts", accountID, p.no, p.name, p.address, p.phone, string(p.class), p.industry, int64(p.station+1),
		p.area, p.tariff.id, p.capacity, p.important, int64(prepaid), opened)
	l.Add("meters", meterID, fmt.Sprintf("33%011d", meterID), accountID, p.meter.Digits, p.meter.Multiplier, p.smart, p.tou, opened)
	g.stats.Accounts++
	g.stats.Meters++
}

// plan lists the account's bill issues and payments in date order, none after today.
func (g *generator) plan(r *rand.Rand, p profile) []event {
	var evs []event
	last := len(g.periods) - 1
	if p.behaviour == prepayer {
		evs = append(evs, event{on: issuedOn(g.periods[1]).AddDate(0, 0, -3), period: -1, amount: billing.Money(30000 + 10000*r.Int64N(6))})
	}
	for j := 1; j <= last; j++ {
		per := g.periods[j]
		evs = append(evs, event{on: issuedOn(per), period: j})
		switch {
		case j >= p.unpaidFrom:
			if p.partial && j == p.unpaidFrom {
				evs = append(evs, event{on: dueOn(per).AddDate(0, 0, 10), period: -1, amount: partialMarker})
			}
		case p.behaviour == prepayer:
			evs = append(evs, event{on: issuedOn(per).AddDate(0, 0, r.IntN(10)), period: -1, topUp: true})
		case r.Float64() < p.lateShare:
			evs = append(evs, event{on: dueOn(per).AddDate(0, 0, 1+r.IntN(20)), period: -1})
		default:
			evs = append(evs, event{on: issuedOn(per).AddDate(0, 0, r.IntN(19)), period: -1})
		}
	}
	slices.SortStableFunc(evs, func(a, b event) int { return a.on.Compare(b.on) })
	kept := evs[:0]
	for _, e := range evs {
		if !e.on.After(g.today) {
			kept = append(kept, e)
		}
	}
	return kept
}

// partialMarker asks for half of what is owed when the payment is made.
const partialMarker billing.Money = -1

var channels = []struct {
	name, prefix string
	weight       float64
}{{"wechat", "4200", 0.40}, {"alipay", "2088", 0.70}, {"bank", "BK", 0.80}, {"counter", "GT", 1.0}}

// receipt writes one posted payment with its allocations and any prepaid credit.
func (g *generator) receipt(l *store.Loader, r *rand.Rand, accountID int64, i, n int, on time.Time, amount billing.Money, a billing.Allocation, prepaid *billing.Money) {
	x := r.Float64()
	ch := channels[0]
	for _, c := range channels {
		if x < c.weight {
			ch = c
			break
		}
	}
	g.receiptID++
	g.receiptSeq++
	var fee, principal billing.Money
	for _, ap := range a.Bills {
		fee += ap.Fee
		principal += ap.Principal
	}
	l.Add("receipts", g.receiptID, store.ReceiptNo(on, g.receiptSeq), accountID, ch.name,
		fmt.Sprintf("%s%08d%s%03d", ch.prefix, i+1, on.Format("20060102"), n), int64(amount), int64(fee), int64(principal),
		int64(a.Prepaid), on, on.Format("2006-01-02")+" 02:00:00.000")
	for _, ap := range a.Bills {
		l.Add("receipt_allocations", g.receiptID, ap.BillID, int64(ap.Fee), int64(ap.Principal))
	}
	if a.Prepaid > 0 {
		*prepaid += a.Prepaid
		g.ledgerID++
		l.Add("prepaid_ledger", g.ledgerID, accountID, on, int64(a.Prepaid), int64(*prepaid), "payment", g.receiptID, noID)
	}
	g.stats.Receipts++
}

func openOnly(bills []billing.BillBalance) []billing.BillBalance {
	open := make([]billing.BillBalance, 0, 4)
	for _, b := range bills {
		if b.Status() != billing.Paid {
			open = append(open, b)
		}
	}
	return open
}

func mustConsume(m billing.Meter, prev, cur int64) int64 {
	kwh, err := billing.Consumption(m, billing.Reading(prev), billing.Reading(cur))
	if err != nil {
		panic(fmt.Sprintf("demo: consumption: %v", err))
	}
	return kwh
}

// advance moves a meter's registers on by units (0.01 kWh), split over peak/flat/valley on TOU meters.
func advance(prev registers, units int64, tou bool, sp int64, r *rand.Rand) registers {
	var next registers
	next[regTotal] = (prev[regTotal] + units) % sp
	if tou {
		peak := units * int64(30+r.IntN(10)) / 100
		valley := units * int64(20+r.IntN(10)) / 100
		next[regPeak] = (prev[regPeak] + peak) % sp
		next[regValley] = (prev[regValley] + valley) % sp
		next[regFlat] = (prev[regFlat] + units - peak - valley) % sp
	}
	return next
}

// dailyWindow is how many days of smart-meter readings the demo keeps.
const dailyWindow = 60

// dailyReadings spreads each month's advance over its days for the last dailyWindow days (up to
// yesterday), continuing past the last monthly reading at last month's pace.
func (g *generator) dailyReadings(l *store.Loader, r *rand.Rand, meterID int64, p profile, history []registers) {
	first := g.today.AddDate(0, 0, -dailyWindow)
	sp := span(p.meter)
	last := len(history) - 1
	emit := func(day time.Time, v registers) {
		if day.Before(first) || !day.Before(g.today) {
			return
		}
		if p.tou {
			l.Add("daily_readings", meterID, day, v[regTotal], v[regPeak], v[regFlat], v[regValley])
		} else {
			l.Add("daily_readings", meterID, day, v[regTotal], noReading, noReading, noReading)
		}
		g.stats.DailyReadings++
	}
	for j := 1; j <= last+1; j++ {
		var start, end time.Time
		var from, to registers
		if j <= last {
			start, end = g.periods[j].FirstDay(), readOn(g.periods[j])
			if end.Before(first) {
				continue
			}
			from, to = history[j-1], history[j]
		} else { // the month in progress, at last month's pace
			start, end = readOn(g.periods[last]).AddDate(0, 0, 1), g.today.AddDate(0, 0, -1)
			days := int64(end.Sub(start).Hours()/24) + 1
			if days <= 0 {
				break
			}
			from = history[last]
			for k := range to {
				lastDays := int64(readOn(g.periods[last]).Day())
				step := (history[last][k] - history[last-1][k] + sp) % sp
				to[k] = (from[k] + step*days/lastDays) % sp
			}
		}
		days := int(end.Sub(start).Hours()/24) + 1
		weights := make([]int64, days)
		var total int64
		for d := range weights {
			weights[d] = 70 + r.Int64N(60)
			total += weights[d]
		}
		var cum int64
		for d := 0; d < days; d++ {
			cum += weights[d]
			var v registers
			for k := range v {
				delta := (to[k] - from[k] + sp) % sp
				v[k] = (from[k] + delta*cum/total) % sp
			}
			if !p.tou {
				v[regPeak], v[regFlat], v[regValley] = 0, 0, 0
			}
			emit(start.AddDate(0, 0, d), v)
		}
	}
}
