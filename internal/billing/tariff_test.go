package billing_test

import (
	"errors"
	"math"
	"reflect"
	"testing"

	"gridpay/internal/billing"
)

// The demo residential tariff of docs/domain.md: up to 160 kWh at 0.5100, 161-240 at 0.5600, above at 0.8100.
var demoMonthly = billing.Tariff{
	Code: "R-TIER-M", Name: "居民阶梯(月)", Kind: billing.Tiered, Mode: billing.Monthly,
	Tiers: []billing.Tier{{UpTo: 160, Price: 5100}, {UpTo: 240, Price: 5600}, {UpTo: 0, Price: 8100}},
}

// The same prices with annual cumulative bounds of 2160 and 4200 kWh.
var demoAnnual = billing.Tariff{
	Code: "R-TIER-A", Name: "居民阶梯(年)", Kind: billing.Tiered, Mode: billing.Annual,
	Tiers: []billing.Tier{{UpTo: 2160, Price: 5100}, {UpTo: 4200, Price: 5600}, {UpTo: 0, Price: 8100}},
}

var demoTOU = billing.Tariff{
	Code: "R-TOU", Kind: billing.TimeOfUse,
	Registers: map[billing.Register]billing.Price{billing.Peak: 6173, billing.Flat: 5100, billing.Valley: 2950},
}

// A large-industry tariff: four registers and 23.3000 yuan per kVA a month.
var demoIndustry = billing.Tariff{
	Code: "LI-TOU", Kind: billing.TimeOfUse, CapacityPrice: 233000,
	Registers: map[billing.Register]billing.Price{
		billing.Sharp: 9000, billing.Peak: 7500, billing.Flat: 5000, billing.Valley: 2500,
	},
}

var demoFlat = billing.Tariff{Code: "C-FLAT", Kind: billing.FlatRate, Flat: 6500}

func TestTariffBill(t *testing.T) {
	flatWithCapacity := demoFlat
	flatWithCapacity.CapacityPrice = 233000
	tests := []struct {
		name      string
		tariff    billing.Tariff
		usage     billing.Usage
		want      []billing.LineItem
		wantTotal billing.Money
	}{
		{
			name: "demo monthly 300 kWh is 175.00", tariff: demoMonthly, usage: billing.Usage{KWh: 300},
			want: []billing.LineItem{
				{Code: "tier1", Quantity: 160, UnitPrice: 5100, Amount: 8160},
				{Code: "tier2", Quantity: 80, UnitPrice: 5600, Amount: 4480},
				{Code: "tier3", Quantity: 60, UnitPrice: 8100, Amount: 4860},
			},
			wantTotal: 17500,
		},
		{
			name: "monthly within tier 1", tariff: demoMonthly, usage: billing.Usage{KWh: 100},
			want:      []billing.LineItem{{Code: "tier1", Quantity: 100, UnitPrice: 5100, Amount: 5100}},
			wantTotal: 5100,
		},
		{
			name: "monthly exactly on the tier 1 bound", tariff: demoMonthly, usage: billing.Usage{KWh: 160},
			want:      []billing.LineItem{{Code: "tier1", Quantity: 160, UnitPrice: 5100, Amount: 8160}},
			wantTotal: 8160,
		},
		{
			name: "monthly one kWh into tier 2", tariff: demoMonthly, usage: billing.Usage{KWh: 161},
			want: []billing.LineItem{
				{Code: "tier1", Quantity: 160, UnitPrice: 5100, Amount: 8160},
				{Code: "tier2", Quantity: 1, UnitPrice: 5600, Amount: 56},
			},
			wantTotal: 8216,
		},
		{
			name: "monthly ignores prior-year use", tariff: demoMonthly, usage: billing.Usage{KWh: 300, PriorYearKWh: 5000},
			want: []billing.LineItem{
				{Code: "tier1", Quantity: 160, UnitPrice: 5100, Amount: 8160},
				{Code: "tier2", Quantity: 80, UnitPrice: 5600, Amount: 4480},
				{Code: "tier3", Quantity: 60, UnitPrice: 8100, Amount: 4860},
			},
			wantTotal: 17500,
		},
		{
			name: "zero-consumption month", tariff: demoMonthly, usage: billing.Usage{},
			want:      []billing.LineItem{{Code: "tier1", Quantity: 0, UnitPrice: 5100, Amount: 0}},
			wantTotal: 0,
		},
		{
			name: "annual period straddles the 2160 bound", tariff: demoAnnual, usage: billing.Usage{KWh: 300, PriorYearKWh: 2100},
			want: []billing.LineItem{
				{Code: "tier1", Quantity: 60, UnitPrice: 5100, Amount: 3060},
				{Code: "tier2", Quantity: 240, UnitPrice: 5600, Amount: 13440},
			},
			wantTotal: 16500,
		},
		{
			name: "annual period straddles both bounds", tariff: demoAnnual, usage: billing.Usage{KWh: 2200, PriorYearKWh: 2100},
			want: []billing.LineItem{
				{Code: "tier1", Quantity: 60, UnitPrice: 5100, Amount: 3060},
				{Code: "tier2", Quantity: 2040, UnitPrice: 5600, Amount: 114240},
				{Code: "tier3", Quantity: 100, UnitPrice: 8100, Amount: 8100},
			},
			wantTotal: 125400,
		},
		{
			name: "annual starts exactly on the 2160 bound", tariff: demoAnnual, usage: billing.Usage{KWh: 10, PriorYearKWh: 2160},
			want:      []billing.LineItem{{Code: "tier2", Quantity: 10, UnitPrice: 5600, Amount: 560}},
			wantTotal: 560,
		},
		{
			name: "annual already in tier 3", tariff: demoAnnual, usage: billing.Usage{KWh: 100, PriorYearKWh: 5000},
			want:      []billing.LineItem{{Code: "tier3", Quantity: 100, UnitPrice: 8100, Amount: 8100}},
			wantTotal: 8100,
		},
		{
			name: "annual first month of the year uses tier 1", tariff: demoAnnual, usage: billing.Usage{KWh: 300},
			want:      []billing.LineItem{{Code: "tier1", Quantity: 300, UnitPrice: 5100, Amount: 15300}},
			wantTotal: 15300,
		},
		{
			name: "annual zero-consumption month", tariff: demoAnnual, usage: billing.Usage{PriorYearKWh: 3000},
			want:      []billing.LineItem{{Code: "tier1", Quantity: 0, UnitPrice: 5100, Amount: 0}},
			wantTotal: 0,
		},
		{
			name: "time of use in register order, each item rounded", tariff: demoTOU,
			usage: billing.Usage{KWh: 999, Registers: map[billing.Register]int64{billing.Valley: 45, billing.Peak: 123}},
			want: []billing.LineItem{
				{Code: "peak", Quantity: 123, UnitPrice: 6173, Amount: 7593},
				{Code: "valley", Quantity: 45, UnitPrice: 2950, Amount: 1328},
			},
			wantTotal: 8921,
		},
		{
			name: "time of use with a zero register", tariff: demoTOU,
			usage: billing.Usage{Registers: map[billing.Register]int64{billing.Flat: 0, billing.Peak: 10}},
			want: []billing.LineItem{
				{Code: "peak", Quantity: 10, UnitPrice: 6173, Amount: 617},
				{Code: "flat", Quantity: 0, UnitPrice: 5100, Amount: 0},
			},
			wantTotal: 617,
		},
		{
			name: "large industry four registers and capacity", tariff: demoIndustry,
			usage: billing.Usage{CapacityKVA: 315, Registers: map[billing.Register]int64{
				billing.Valley: 400, billing.Flat: 300, billing.Peak: 200, billing.Sharp: 100,
			}},
			want: []billing.LineItem{
				{Code: "sharp", Quantity: 100, UnitPrice: 9000, Amount: 9000},
				{Code: "peak", Quantity: 200, UnitPrice: 7500, Amount: 15000},
				{Code: "flat", Quantity: 300, UnitPrice: 5000, Amount: 15000},
				{Code: "valley", Quantity: 400, UnitPrice: 2500, Amount: 10000},
				{Code: "capacity", Quantity: 315, UnitPrice: 233000, Amount: 733950},
			},
			wantTotal: 782950,
		},
		{
			name: "large industry zero-consumption month still pays capacity", tariff: demoIndustry,
			usage:     billing.Usage{CapacityKVA: 315},
			want:      []billing.LineItem{{Code: "capacity", Quantity: 315, UnitPrice: 233000, Amount: 733950}},
			wantTotal: 733950,
		},
		{
			name: "capacity price without capacity still lists the capacity item", tariff: demoIndustry,
			usage: billing.Usage{Registers: map[billing.Register]int64{billing.Peak: 10}},
			want: []billing.LineItem{
				{Code: "peak", Quantity: 10, UnitPrice: 7500, Amount: 750},
				{Code: "capacity", Quantity: 0, UnitPrice: 233000, Amount: 0},
			},
			wantTotal: 750,
		},
		{
			name: "flat rate", tariff: demoFlat, usage: billing.Usage{KWh: 1234, CapacityKVA: 315},
			want:      []billing.LineItem{{Code: "energy", Quantity: 1234, UnitPrice: 6500, Amount: 80210}},
			wantTotal: 80210,
		},
		{
			name: "flat rate with capacity", tariff: flatWithCapacity, usage: billing.Usage{KWh: 1234, CapacityKVA: 315},
			want: []billing.LineItem{
				{Code: "energy", Quantity: 1234, UnitPrice: 6500, Amount: 80210},
				{Code: "capacity", Quantity: 315, UnitPrice: 233000, Amount: 733950},
			},
			wantTotal: 814160,
		},
		{
			name: "flat rate zero-consumption month", tariff: demoFlat, usage: billing.Usage{},
			want:      []billing.LineItem{{Code: "energy", Quantity: 0, UnitPrice: 6500, Amount: 0}},
			wantTotal: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.tariff.Bill(tt.usage)
			if err != nil {
				t.Fatalf("Bill(%+v) error: %v", tt.usage, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Bill(%+v) =\n%+v\nwant\n%+v", tt.usage, got, tt.want)
			}
			if total := billing.Total(got); total != tt.wantTotal {
				t.Errorf("Total = %s, want %s", total, tt.wantTotal)
			}
		})
	}
}

func TestTariffBillRejects(t *testing.T) {
	tests := []struct {
		name   string
		tariff billing.Tariff
		usage  billing.Usage
	}{
		{"invalid tariff", billing.Tariff{Code: "X", Kind: "stepped"}, billing.Usage{KWh: 1}},
		{"negative kWh", demoMonthly, billing.Usage{KWh: -1}},
		{"negative prior-year kWh", demoAnnual, billing.Usage{KWh: 1, PriorYearKWh: -1}},
		{"negative capacity", demoIndustry, billing.Usage{CapacityKVA: -1}},
		{"register without a price", demoTOU, billing.Usage{Registers: map[billing.Register]int64{billing.Sharp: 1}}},
		{"unknown register", demoTOU, billing.Usage{Registers: map[billing.Register]int64{"night": 1}}},
		{"negative register kWh", demoTOU, billing.Usage{Registers: map[billing.Register]int64{billing.Peak: -5}}},
		{"amount overflows", demoFlat, billing.Usage{KWh: math.MaxInt64 / 1000}},
		{"cumulative kWh overflows", demoAnnual, billing.Usage{KWh: math.MaxInt64, PriorYearKWh: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.tariff.Bill(tt.usage)
			if !errors.Is(err, billing.ErrInvalid) || got != nil {
				t.Errorf("Bill(%+v) = %v, %v; want nil and an error wrapping ErrInvalid", tt.usage, got, err)
			}
		})
	}
}

func TestTariffValidate(t *testing.T) {
	tiered := func(mode billing.TierMode, tiers ...billing.Tier) billing.Tariff {
		return billing.Tariff{Code: "T", Kind: billing.Tiered, Mode: mode, Tiers: tiers}
	}
	tests := []struct {
		name    string
		tariff  billing.Tariff
		wantErr bool
	}{
		{"demo monthly", demoMonthly, false},
		{"demo annual", demoAnnual, false},
		{"demo time of use", demoTOU, false},
		{"demo large industry", demoIndustry, false},
		{"demo flat", demoFlat, false},
		{"single unbounded tier", tiered(billing.Monthly, billing.Tier{Price: 5100}), false},
		{"empty code", billing.Tariff{Kind: billing.FlatRate, Flat: 6500}, true},
		{"unknown kind", billing.Tariff{Code: "X", Kind: "stepped"}, true},
		{"unknown tier mode", tiered("quarterly", billing.Tier{Price: 5100}), true},
		{"no tiers", tiered(billing.Monthly), true},
		{"last tier bounded", tiered(billing.Monthly, billing.Tier{UpTo: 160, Price: 5100}, billing.Tier{UpTo: 240, Price: 5600}), true},
		{"bounds not ascending", tiered(billing.Monthly, billing.Tier{UpTo: 240, Price: 5100}, billing.Tier{UpTo: 160, Price: 5600}, billing.Tier{Price: 8100}), true},
		{"unbounded tier before the last", tiered(billing.Monthly, billing.Tier{Price: 5100}, billing.Tier{Price: 5600}), true},
		{"negative tier price", tiered(billing.Monthly, billing.Tier{Price: -1}), true},
		{"time of use without registers", billing.Tariff{Code: "X", Kind: billing.TimeOfUse}, true},
		{"unknown register", billing.Tariff{Code: "X", Kind: billing.TimeOfUse, Registers: map[billing.Register]billing.Price{"night": 1}}, true},
		{"negative register price", billing.Tariff{Code: "X", Kind: billing.TimeOfUse, Registers: map[billing.Register]billing.Price{billing.Peak: -1}}, true},
		{"negative flat price", billing.Tariff{Code: "X", Kind: billing.FlatRate, Flat: -1}, true},
		{"negative capacity price", billing.Tariff{Code: "X", Kind: billing.FlatRate, Flat: 6500, CapacityPrice: -1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.tariff.Validate()
			if tt.wantErr != errors.Is(err, billing.ErrInvalid) || (!tt.wantErr && err != nil) {
				t.Errorf("Validate() = %v, want error: %v", err, tt.wantErr)
			}
		})
	}
}

func TestTotal(t *testing.T) {
	tests := []struct {
		name  string
		items []billing.LineItem
		want  billing.Money
	}{
		{"no items", nil, 0},
		{"one item", []billing.LineItem{{Amount: 8160}}, 8160},
		{"sums amounts, not quantities", []billing.LineItem{{Quantity: 160, Amount: 8160}, {Quantity: 80, Amount: 4480}, {Quantity: 60, Amount: 4860}}, 17500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := billing.Total(tt.items); got != tt.want {
				t.Errorf("Total = %s, want %s", got, tt.want)
			}
		})
	}
}
