package billing

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
)

// Usage is what a period consumed, as Tariff.Bill needs it.
type Usage struct {
	KWh          int64              // total billed kWh of the period (Tiered, FlatRate)
	Registers    map[Register]int64 // TimeOfUse: kWh per register
	PriorYearKWh int64              // Annual tiers: kWh already billed this calendar year before this period
	CapacityKVA  int64              // capacity for the capacity charge
}

// LineItem is one priced line of a bill.
type LineItem struct {
	Code      string // "tier1","tier2","tier3"(,...), "sharp","peak","flat","valley", "energy" (flat rate), "capacity"
	Quantity  int64  // kWh, or kVA for "capacity"
	UnitPrice Price
	Amount    Money // Charge(Quantity, UnitPrice): each line item rounded half-up to the fen
}

// Bill computes the line items of one period. Tiered emits one item per tier actually used (a
// zero-kWh month emits a single "tier1" item of 0 kWh and 0 fen); TimeOfUse one per register present,
// in the order sharp, peak, flat, valley; FlatRate one "energy" item; plus "capacity" when
// CapacityPrice > 0. TimeOfUse ignores Usage.KWh, because the registers are what is priced.
// Errors wrap ErrInvalid: an invalid tariff, negative quantities, a register the tariff has no
// price for, or an amount too large for int64.
func (t Tariff) Bill(u Usage) ([]LineItem, error) {
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("bill: %w", err)
	}
	if u.KWh < 0 || u.PriorYearKWh < 0 || u.CapacityKVA < 0 {
		return nil, fmt.Errorf("bill: tariff %q: negative usage %+v: %w", t.Code, u, ErrInvalid)
	}
	if t.Kind == Tiered && t.Mode == Annual && u.PriorYearKWh > math.MaxInt64-u.KWh {
		return nil, fmt.Errorf("bill: tariff %q: cumulative kWh overflows: %w", t.Code, ErrInvalid)
	}
	var items []LineItem
	switch t.Kind {
	case Tiered:
		items = t.tierItems(u)
	case TimeOfUse:
		var err error
		if items, err = t.registerItems(u.Registers); err != nil {
			return nil, fmt.Errorf("bill: tariff %q: %w", t.Code, err)
		}
	case FlatRate:
		items = []LineItem{{Code: "energy", Quantity: u.KWh, UnitPrice: t.Flat}}
	}
	if t.CapacityPrice > 0 {
		items = append(items, LineItem{Code: "capacity", Quantity: u.CapacityKVA, UnitPrice: t.CapacityPrice})
	}
	for i := range items {
		it := &items[i]
		if !mulFits(it.Quantity, int64(it.UnitPrice)) {
			return nil, fmt.Errorf("bill: tariff %q: %s %d x %s overflows: %w", t.Code, it.Code, it.Quantity, it.UnitPrice, ErrInvalid)
		}
		it.Amount = Charge(it.Quantity, it.UnitPrice)
	}
	return items, nil
}

// tierItems splits the period's kWh over the tiers. In Annual mode the period occupies the
// cumulative range (PriorYearKWh, PriorYearKWh+KWh] of the year, so a period can start in a
// higher tier or straddle a bound; Monthly mode is the same with no prior use.
func (t Tariff) tierItems(u Usage) []LineItem {
	if u.KWh == 0 {
		return []LineItem{{Code: "tier1", Quantity: 0, UnitPrice: t.Tiers[0].Price}}
	}
	from := int64(0)
	if t.Mode == Annual {
		from = u.PriorYearKWh
	}
	to := from + u.KWh
	var items []LineItem
	lower := int64(0)
	for i, tier := range t.Tiers {
		upper := tier.UpTo
		if upper == 0 { // the last tier has no bound
			upper = to
		}
		q := min(to, upper) - max(from, lower)
		if q > 0 {
			items = append(items, LineItem{Code: "tier" + strconv.Itoa(i+1), Quantity: q, UnitPrice: tier.Price})
		}
		lower = upper
		if lower >= to {
			break
		}
	}
	return items
}

// registerItems prices each register present in kwh, in the order sharp, peak, flat, valley.
func (t Tariff) registerItems(kwh map[Register]int64) ([]LineItem, error) {
	// Sorted so that the same usage always gets the same error.
	for _, reg := range slices.Sorted(maps.Keys(kwh)) {
		q := kwh[reg]
		if _, ok := t.Registers[reg]; !ok {
			return nil, fmt.Errorf("no price for register %q: %w", reg, ErrInvalid)
		}
		if q < 0 {
			return nil, fmt.Errorf("register %s has negative kWh %d: %w", reg, q, ErrInvalid)
		}
	}
	items := []LineItem{}
	for _, reg := range registerOrder {
		if q, ok := kwh[reg]; ok {
			items = append(items, LineItem{Code: string(reg), Quantity: q, UnitPrice: t.Registers[reg]})
		}
	}
	return items, nil
}

// Total returns the sum of the items' amounts: the bill's principal.
func Total(items []LineItem) Money {
	var sum Money
	for _, it := range items {
		sum += it.Amount
	}
	return sum
}
