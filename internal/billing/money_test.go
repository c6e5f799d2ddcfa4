package billing_test

import (
	"errors"
	"math"
	"testing"

	"gridpay/internal/billing"
)

func TestMoneyString(t *testing.T) {
	tests := []struct {
		name string
		in   billing.Money
		want string
	}{
		{"zero", 0, "0.00"},
		{"one fen", 1, "0.01"},
		{"five fen", 5, "0.05"},
		{"minus five fen", -5, "-0.05"},
		{"whole yuan", 17500, "175.00"},
		{"minus one yuan", -100, "-1.00"},
		{"thousands", 123456, "1234.56"},
		{"largest", math.MaxInt64, "92233720368547758.07"},
		{"smallest", math.MinInt64, "-92233720368547758.08"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.String(); got != tt.want {
				t.Errorf("Money(%d).String() = %q, want %q", int64(tt.in), got, tt.want)
			}
		})
	}
}

func TestParseMoney(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want billing.Money
	}{
		{"whole yuan", "175", 17500},
		{"one decimal", "175.5", 17550},
		{"two decimals", "175.00", 17500},
		{"negative", "-3.20", -320},
		{"zero", "0", 0},
		{"negative zero", "-0.00", 0},
		{"one fen", "0.01", 1},
		{"minus five fen", "-0.05", -5},
		{"leading zeros", "007.50", 750},
		{"largest", "92233720368547758.07", math.MaxInt64},
		{"smallest", "-92233720368547758.08", math.MinInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := billing.ParseMoney(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParseMoney(%q) = %d, %v; want %d, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseMoneyRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"space", " "},
		{"sign only", "-"},
		{"point only", "."},
		{"plus sign", "+1"},
		{"no integer digits", ".5"},
		{"no fraction digits", "1."},
		{"three decimals", "1.234"},
		{"trailing zero third decimal", "1.000"},
		{"exponent", "1e3"},
		{"thousands separator", "1,000.00"},
		{"inner space", "1 000"},
		{"leading space", " 1"},
		{"trailing space", "1 "},
		{"trailing newline", "1\n"},
		{"hex", "0x1F"},
		{"double minus", "--1"},
		{"trailing minus", "1-"},
		{"two points", "1.2.3"},
		{"NaN", "NaN"},
		{"infinity", "Inf"},
		{"fullwidth digits", "１２"},
		{"currency sign", "¥12"},
		{"NUL byte", "1\x00"},
		{"one fen over the top", "92233720368547758.08"},
		{"one fen under the bottom", "-92233720368547758.09"},
		{"twenty digits", "99999999999999999999"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := billing.ParseMoney(tt.in)
			if !errors.Is(err, billing.ErrInvalid) || got != 0 {
				t.Errorf("ParseMoney(%q) = %d, %v; want 0 and an error wrapping ErrInvalid", tt.in, got, err)
			}
		})
	}
}

func TestMoneyRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   billing.Money
	}{
		{"zero", 0},
		{"one fen", 1},
		{"minus one fen", -1},
		{"ninety-nine fen", 99},
		{"one yuan", 100},
		{"demo bill", 17500},
		{"negative thousands", -123456},
		{"largest", math.MaxInt64},
		{"smallest", math.MinInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.in.String()
			got, err := billing.ParseMoney(s)
			if err != nil || got != tt.in {
				t.Errorf("ParseMoney(%q) = %d, %v; want %d", s, got, err, int64(tt.in))
			}
		})
	}
}

func TestPriceString(t *testing.T) {
	tests := []struct {
		name string
		in   billing.Price
		want string
	}{
		{"zero", 0, "0.0000"},
		{"demo tier 1", 5100, "0.5100"},
		{"smallest unit", 1, "0.0001"},
		{"negative unit", -1, "-0.0001"},
		{"capacity price", 233000, "23.3000"},
		{"all digits", 12345678, "1234.5678"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.String(); got != tt.want {
				t.Errorf("Price(%d).String() = %q, want %q", int64(tt.in), got, tt.want)
			}
		})
	}
}

func TestParsePrice(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    billing.Price
		wantErr bool
	}{
		{"two decimals", "0.51", 5100, false},
		{"four decimals", "0.5100", 5100, false},
		{"whole yuan", "1", 10000, false},
		{"smallest unit", "0.0001", 1, false},
		{"negative", "-0.0001", -1, false},
		{"largest", "922337203685477.5807", math.MaxInt64, false},
		{"five decimals", "0.51001", 0, true},
		{"over the top", "922337203685477.5808", 0, true},
		{"empty", "", 0, true},
		{"junk", "abc", 0, true},
		{"exponent", "5.1e-1", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := billing.ParsePrice(tt.in)
			if tt.wantErr {
				if !errors.Is(err, billing.ErrInvalid) || got != 0 {
					t.Errorf("ParsePrice(%q) = %d, %v; want 0 and an error wrapping ErrInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParsePrice(%q) = %d, %v; want %d, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestRoundHalfUp(t *testing.T) {
	tests := []struct {
		name     string
		num, den int64
		want     int64
	}{
		{"exact", 200, 100, 2},
		{"half rounds up", 5, 10, 1},
		{"below half rounds down", 4, 10, 0},
		{"above half rounds up", 6, 10, 1},
		{"one and a half", 15, 10, 2},
		{"negative half rounds away from zero", -5, 10, -1},
		{"negative below half rounds to zero", -4, 10, 0},
		{"negative one and a half", -15, 10, -2},
		{"per mille half", 1000500, 1000, 1001},
		{"per mille just below half", 1000499, 1000, 1000},
		{"denominator one", 7, 1, 7},
		{"odd denominator exact third", 10, 3, 3},
		{"odd denominator two thirds", 20, 3, 7},
		{"largest numerator", math.MaxInt64, 2, 4611686018427387904},
		{"smallest numerator", math.MinInt64, 2, -4611686018427387904},
		{"smallest numerator odd den", math.MinInt64, 10, -922337203685477581},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := billing.RoundHalfUp(tt.num, tt.den); got != tt.want {
				t.Errorf("RoundHalfUp(%d, %d) = %d, want %d", tt.num, tt.den, got, tt.want)
			}
		})
	}
}

func TestRoundHalfUpPanics(t *testing.T) {
	tests := []struct {
		name string
		den  int64
	}{
		{"zero denominator", 0},
		{"negative denominator", -100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("RoundHalfUp(1, %d) did not panic", tt.den)
				}
			}()
			billing.RoundHalfUp(1, tt.den)
		})
	}
}

func TestCharge(t *testing.T) {
	tests := []struct {
		name     string
		quantity int64
		price    billing.Price
		want     billing.Money
	}{
		{"demo tier 1", 160, 5100, 8160},
		{"demo tier 2", 80, 5600, 4480},
		{"demo tier 3", 60, 8100, 4860},
		{"half a fen rounds up", 1, 50, 1},
		{"just under half a fen rounds down", 1, 49, 0},
		{"valley half fen", 45, 2950, 1328},
		{"zero quantity", 0, 9999, 0},
		{"negative half fen rounds away from zero", -1, 50, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := billing.Charge(tt.quantity, tt.price); got != tt.want {
				t.Errorf("Charge(%d, %s) = %s, want %s", tt.quantity, tt.price, got, tt.want)
			}
		})
	}
}
