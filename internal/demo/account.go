package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"gridpay/internal/billing"
)

// generator walks the accounts in order, handing out ids and receipt numbers.
type generator struct {
	o       Options
	today   time.Time
	periods []billing.Period // billed periods, oldest first; periods[0] only has the opening reading
	county  county

	meterID, billID, receiptID, ledgerID int64
	receiptSeq                           int64
	stats                                Stats
}

func newGenerator(o Options) *generator {
	g := &generator{o: o, today: billing.DateOf(o.Today)}
	// The newest billed period is last month: its bill was issued on the 1st of this month.
	last := billing.PeriodOfDate(g.today).Prev()
	for m := o.Months; m >= 0; m-- {
		g.periods = append(g.periods, last.AddMonths(-m))
	}
	return g
}

func issuedOn(p billing.Period) time.Time { return p.FirstDay().AddDate(0, 1, 0) }
func dueOn(p billing.Period) time.Time    { return p.FirstDay().AddDate(0, 1, 19) } // the 20th of the next month
func readOn(p billing.Period) time.Time   { return p.FirstDay().AddDate(0, 1, -1) } // the period's last day

// behaviour is how an account pays.
type behaviour int

const (
	onTime   behaviour = iota // pays each bill before it is due, now and then late
	arrears                   // stopped paying its last bills
	prepayer                  // keeps a prepaid balance and tops it up
)

// profile is one generated account before its history.
type profile struct {
	no, name, address, phone, industry string
	class                              billing.Class
	tariff                             tariff
	station                            int
	area                               int64
	capacity                           int64
	important                          bool
	meter                              billing.Meter
	smart, tou                         bool
	baseKWh                            float64
	behaviour                          behaviour
	lateShare                          float64
	unpaidFrom                         int // index into periods of the first bill left unpaid; len(periods) = none
	partial                            bool
}

func (g *generator) profile(r *rand.Rand, i int) profile {
	p := profile{no: fmt.Sprintf("31%08d", i+1), unpaidFrom: len(g.periods), lateShare: 0.07}
	x := r.Float64()
	switch {
	case i == 0:
		p.class = billing.Residential
	case i == 1:
		p.class = billing.Commercial
	case x < 0.90:
		p.class = billing.Residential
	case x < 0.97:
		p.class = billing.Commercial
	case x < 0.98:
		p.class = billing.LargeIndustry
	default:
		p.class = billing.Agricultural
	}
	// The county town is the biggest station.
	p.station = r.IntN(len(g.county.stations) + 3)
	if p.station >= len(g.county.stations) {
		p.station = 0
	}
	st := g.county.stations[p.station]
	areas := g.county.areas[p.station]
	ai := r.IntN(len(areas))
	p.area = areas[ai]
	village := st.villages[ai/2]
	p.phone = mobile(r)
	p.meter = billing.Meter{Digits: 6, Multiplier: 1}
	p.smart = true
	n := 1 + r.IntN(60)
	switch p.class {
	case billing.Residential:
		p.name = personName(r)
		if p.station == 0 {
			p.address = fmt.Sprintf("%s%s%d号%d栋%d室", st.town, countyStreets[r.IntN(len(countyStreets))], n, 1+r.IntN(6), 101+r.IntN(6)*100+r.IntN(4))
			p.industry = "9010" // 城镇居民
		} else {
			p.address = fmt.Sprintf("%s%s%d组%d号", st.town, village, 1+r.IntN(9), n)
			p.industry = "9020" // 乡村居民
		}
		p.tariff = tariffs[0]
		if p.station%4 == 1 {
			p.tariff = tariffs[1]
		}
		p.baseKWh = 50 + r.ExpFloat64()*110
		if r.Float64() < 0.08 { // old mechanical five-digit meters, read by hand
			p.meter.Digits, p.smart = 5, false
		}
	case billing.Commercial:
		p.name = fmt.Sprintf("%s%s%s", st.town[:len(st.town)-3], personName(r)[:3], shopKinds[r.IntN(len(shopKinds))])
		p.address = fmt.Sprintf("%s%s%d号", st.town, village, n)
		p.industry = []string{"5210", "6210", "8090"}[r.IntN(3)]
		p.tariff = tariffs[2]
		if r.Float64() < 0.3 {
			p.tariff, p.tou = tariffs[3], true
		}
		p.capacity = []int64{10, 20, 30, 50, 80, 100}[r.IntN(6)]
		p.baseKWh = 250 + r.ExpFloat64()*1200
		if r.Float64() < 0.3 {
			p.meter.Multiplier = []int64{20, 30, 40}[r.IntN(3)]
		}
	case billing.LargeIndustry:
		p.name = County + st.town[:len(st.town)-3] + factoryKinds[r.IntN(len(factoryKinds))]
		p.address = fmt.Sprintf("%s工业园区%d号", st.town, n)
		p.industry = []string{"3011", "3021", "1310", "1713", "3411"}[r.IntN(5)]
		p.tariff, p.tou, p.important = tariffs[4], true, r.Float64() < 0.5
		p.capacity = []int64{315, 400, 630, 800, 1000, 1250, 2000}[r.IntN(7)]
		p.baseKWh = float64(p.capacity) * (120 + 200*r.Float64())
		p.meter.Multiplier = []int64{2000, 3000, 4000, 6000}[r.IntN(4)] // CT x PT at 10 kV
	case billing.Agricultural:
		p.name = village + []string{personName(r), ""}[r.IntN(2)] + farmKinds[r.IntN(len(farmKinds))]
		p.address = fmt.Sprintf("%s%s%d组", st.town, village, 1+r.IntN(9))
		p.industry = []string{"0110", "0310", "0410"}[r.IntN(3)]
		p.tariff = tariffs[5]
		p.capacity = []int64{10, 20, 30, 50}[r.IntN(4)]
		p.baseKWh = 200 + r.ExpFloat64()*900
		if r.Float64() < 0.3 {
			p.meter.Multiplier = 20
		}
	}

	last := len(g.periods) - 1
	switch y := r.Float64(); {
	case i == 0:
		p.name, p.phone, p.station = "张建国", DemoResidentialPhone, 0
		p.address, p.industry = "城关镇解放路12号3栋402室", "9010"
		p.tariff, p.meter, p.smart, p.baseKWh = tariffs[0], billing.Meter{Digits: 6, Multiplier: 1}, true, 190
		p.behaviour, p.lateShare = arrears, 0
		p.unpaidFrom = g.firstOfLastOverdue(2)
	case i == 1:
		p.name, p.phone, p.station = "城关镇惠民农家乐", DemoCommercialPhone, 0
		p.address, p.industry = "城关镇滨河路88号", "6210"
		p.tariff, p.tou, p.meter, p.capacity, p.baseKWh = tariffs[2], false, billing.Meter{Digits: 6, Multiplier: 1}, 50, 1500
		p.behaviour, p.lateShare = arrears, 0
		// Open as ever, but unpaid since last November's bill: arrears from last year. Its use stays
		// its own all along, months and days alike.
		p.unpaidFrom = slices.Index(g.periods, billing.PeriodOf(g.today.Year()-1, time.November))
		if p.unpaidFrom < 1 {
			p.unpaidFrom = 1
		}
	case y < 0.055:
		p.behaviour, p.lateShare = arrears, 0
		k := 1
		switch z := r.Float64(); {
		case z < 0.15: // cross-year: unpaid since a bill that fell overdue last year
			if j := slices.Index(g.periods, billing.PeriodOf(g.today.Year()-1, time.November)); j > 0 {
				k = last - j + 1
			}
		case z < 0.5:
			k = 2 + r.IntN(3)
		}
		p.unpaidFrom = max(1, last-k+1)
		p.partial = r.Float64() < 0.2
	case y < 0.16:
		p.behaviour = prepayer
	}
	return p
}

// firstOfLastOverdue returns the index of the k-th newest period whose bill is overdue today.
func (g *generator) firstOfLastOverdue(k int) int {
	for j := len(g.periods) - 1; j > 0; j-- {
		if dueOn(g.periods[j]).Before(g.today) {
			return max(1, j-k+1)
		}
	}
	return 1
}

// seasonal shapes monthly use by class: summer cooling and winter heating at home, irrigation on farms.
func seasonal(c billing.Class, month int) float64 {
	switch c {
	case billing.Residential:
		return []float64{1.3, 1.25, 1.0, 0.9, 0.95, 1.1, 1.45, 1.5, 1.1, 0.9, 1.0, 1.2}[month-1]
	case billing.Agricultural:
		return []float64{0.4, 0.4, 0.8, 1.6, 1.8, 1.8, 1.9, 1.7, 1.0, 0.6, 0.4, 0.4}[month-1]
	case billing.LargeIndustry:
		return []float64{1.0, 0.65, 1.0, 1.05, 1.05, 1.0, 1.0, 1.0, 1.05, 0.95, 1.05, 1.1}[month-1]
	default:
		return []float64{1.1, 0.9, 0.95, 0.95, 1.0, 1.1, 1.2, 1.25, 1.05, 1.0, 1.0, 1.1}[month-1]
	}
}

// registers holds a meter's register values in 0.01 kWh: total, and peak/flat/valley on TOU meters.
type registers [4]int64

const (
	regTotal = iota
	regPeak
	regFlat
	regValley
)

// span is the meter's register range in 0.01 kWh: a reading wraps to zero at span.
func span(m billing.Meter) int64 {
	return int64(math.Pow10(m.Digits)) * 100
}
