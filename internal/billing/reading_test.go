package billing_test

import (
	"errors"
	"math"
	"testing"

	"gridpay/internal/billing"
)

func TestConsumption(t *testing.T) {
	tests := []struct {
		name              string
		meter             billing.Meter
		previous, current billing.Reading
		want              int64
	}{
		{"domain example: 5-digit rollover 99950 to 00030", billing.Meter{Digits: 5, Multiplier: 1}, 9995000, 3000, 80},
		{"domain example: 1200 to 1230 times 40", billing.Meter{Digits: 6, Multiplier: 40}, 120000, 123000, 1200},
		{"no consumption", billing.Meter{Digits: 6, Multiplier: 1}, 123456, 123456, 0},
		{"half a kWh rounds up", billing.Meter{Digits: 6, Multiplier: 1}, 10000, 10050, 1},
		{"just under half rounds down", billing.Meter{Digits: 6, Multiplier: 1}, 10000, 10049, 0},
		{"multiplier applies before rounding", billing.Meter{Digits: 6, Multiplier: 3}, 10000, 10017, 1},
		{"fraction times multiplier rounds up", billing.Meter{Digits: 6, Multiplier: 40}, 10000, 10049, 20},
		{"half a kWh across a 6-digit rollover", billing.Meter{Digits: 6, Multiplier: 1}, 99999950, 0, 1},
		{"4-digit rollover", billing.Meter{Digits: 4, Multiplier: 1}, 999900, 100, 2},
		{"full 9-digit register", billing.Meter{Digits: 9, Multiplier: 1}, 0, 99999999999, 1000000000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := billing.Consumption(tt.meter, tt.previous, tt.current)
			if err != nil || got != tt.want {
				t.Errorf("Consumption(%+v, %d, %d) = %d, %v; want %d, nil", tt.meter, tt.previous, tt.current, got, err, tt.want)
			}
		})
	}
}

func TestConsumptionRejects(t *testing.T) {
	five := billing.Meter{Digits: 5, Multiplier: 1}
	tests := []struct {
		name              string
		meter             billing.Meter
		previous, current billing.Reading
	}{
		{"too few digits", billing.Meter{Digits: 3, Multiplier: 1}, 0, 100},
		{"too many digits", billing.Meter{Digits: 10, Multiplier: 1}, 0, 100},
		{"zero multiplier", billing.Meter{Digits: 5, Multiplier: 0}, 0, 100},
		{"negative previous", five, -1, 100},
		{"negative current", five, 100, -1},
		{"current beyond 99999.99", five, 0, 10000000},
		{"previous beyond 99999.99", five, 10000000, 100},
		{"product overflows", billing.Meter{Digits: 9, Multiplier: math.MaxInt64}, 0, 99999999999},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := billing.Consumption(tt.meter, tt.previous, tt.current)
			if !errors.Is(err, billing.ErrInvalid) || got != 0 {
				t.Errorf("Consumption(%+v, %d, %d) = %d, %v; want 0 and an error wrapping ErrInvalid", tt.meter, tt.previous, tt.current, got, err)
			}
		})
	}
}

func TestMeterValidate(t *testing.T) {
	tests := []struct {
		name    string
		meter   billing.Meter
		wantErr bool
	}{
		{"smallest register", billing.Meter{Digits: 4, Multiplier: 1}, false},
		{"largest register with CT and PT", billing.Meter{Digits: 9, Multiplier: 880000}, false},
		{"3 digits", billing.Meter{Digits: 3, Multiplier: 1}, true},
		{"10 digits", billing.Meter{Digits: 10, Multiplier: 1}, true},
		{"zero value", billing.Meter{}, true},
		{"negative multiplier", billing.Meter{Digits: 6, Multiplier: -40}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.meter.Validate()
			if tt.wantErr != errors.Is(err, billing.ErrInvalid) || (!tt.wantErr && err != nil) {
				t.Errorf("%+v.Validate() = %v, want error: %v", tt.meter, err, tt.wantErr)
			}
		})
	}
}
