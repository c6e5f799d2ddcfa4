package billing

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

// Register is a time-of-use register of a meter (尖 sharp, 峰 peak, 平 flat, 谷 valley).
type Register string

// The time-of-use registers, in the order bills list them.
const (
	Sharp  Register = "sharp"
	Peak   Register = "peak"
	Flat   Register = "flat"
	Valley Register = "valley"
)

// registerOrder is the order line items and validation walk the registers in.
var registerOrder = [...]Register{Sharp, Peak, Flat, Valley}

// TariffKind says how a tariff prices energy.
type TariffKind string

// The tariff kinds.
const (
	Tiered    TariffKind = "tiered" // 阶梯电价
	TimeOfUse TariffKind = "tou"    // 分时电价
	FlatRate  TariffKind = "flat"   // one price per kWh
)

// TierMode says what quantity tier bounds apply to.
type TierMode string

// The tier modes; both are in use in China and are configuration, not code.
const (
	Monthly TierMode = "monthly" // bounds apply to each month's kWh
	Annual  TierMode = "annual"  // bounds apply to the calendar year's cumulative kWh
)

// Tier is one step of a tiered tariff.
type Tier struct {
	UpTo  int64 // inclusive upper bound in kWh of this tier, per month (Monthly) or per calendar year cumulative (Annual); 0 on the last tier = no bound
	Price Price
}

// Tariff is an executed tariff (执行电价). Only the fields of its Kind matter; the others are ignored.
type Tariff struct {
	Code          string
	Name          string
	Kind          TariffKind
	Mode          TierMode           // Tiered only
	Tiers         []Tier             // Tiered only, ascending
	Registers     map[Register]Price // TimeOfUse only
	Flat          Price              // FlatRate only
	CapacityPrice Price              // per kVA per month; 0 = no capacity charge (large industry sets it)
}

// Validate returns an error wrapping ErrInvalid when t cannot price every kWh: a missing code, an
// unknown kind or mode, tiers that are empty, not strictly ascending or bounded at the top, an empty
// or unknown register, or any negative price. All problems are reported together.
func (t Tariff) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	if t.Code == "" {
		bad("code is empty")
	}
	switch t.Kind {
	case Tiered:
		if t.Mode != Monthly && t.Mode != Annual {
			bad("tier mode %q is neither %q nor %q", t.Mode, Monthly, Annual)
		}
		if len(t.Tiers) == 0 {
			bad("no tiers")
		}
		var prev int64
		for i, tier := range t.Tiers {
			last := i == len(t.Tiers)-1
			switch {
			case last && tier.UpTo != 0:
				// An upper bound on the last tier would leave larger consumption unpriced.
				bad("last tier %d has bound %d; it must be 0 (no bound)", i+1, tier.UpTo)
			case !last && tier.UpTo <= prev:
				bad("tier %d bound %d not above %d", i+1, tier.UpTo, prev)
			}
			if tier.Price < 0 {
				bad("tier %d price %s is negative", i+1, tier.Price)
			}
			prev = tier.UpTo
		}
	case TimeOfUse:
		if len(t.Registers) == 0 {
			bad("no register prices")
		}
		// Sorted so that the same tariff always gets the same message.
		for _, reg := range slices.Sorted(maps.Keys(t.Registers)) {
			p := t.Registers[reg]
			if !reg.valid() {
				bad("unknown register %q", reg)
			}
			if p < 0 {
				bad("register %s price %s is negative", reg, p)
			}
		}
	case FlatRate:
		if t.Flat < 0 {
			bad("flat price %s is negative", t.Flat)
		}
	default:
		bad("unknown kind %q", t.Kind)
	}
	if t.CapacityPrice < 0 {
		bad("capacity price %s is negative", t.CapacityPrice)
	}
	if len(errs) > 0 {
		return fmt.Errorf("tariff %q: %w: %w", t.Code, ErrInvalid, errors.Join(errs...))
	}
	return nil
}

func (r Register) valid() bool {
	for _, known := range registerOrder {
		if r == known {
			return true
		}
	}
	return false
}
