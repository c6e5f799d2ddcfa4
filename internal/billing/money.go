package billing

import (
	"fmt"
	"math"
	"strconv"
)

// Money is an amount in fen (0.01 yuan). Money is never a float.
type Money int64

// String formats m in yuan with exactly two decimals: "1234.56", "-0.05", "0.00".
func (m Money) String() string { return formatFixed(int64(m), 2) }

// ParseMoney parses yuan with at most two decimals ("175", "175.5", "175.00", "-3.20"). Empty
// strings, a leading "+", missing digits on either side of the point, more than two decimals,
// anything but ASCII digits, and values outside int64 fen are errors wrapping ErrInvalid.
func ParseMoney(s string) (Money, error) {
	v, err := parseFixed(s, 2)
	if err != nil {
		return 0, fmt.Errorf("parse money %q: %w", s, err)
	}
	return Money(v), nil
}

// Price is a unit price in 0.0001 yuan, per kWh for energy or per kVA a month for capacity.
type Price int64

// String formats p in yuan with exactly four decimals: "0.5100".
func (p Price) String() string { return formatFixed(int64(p), 4) }

// ParsePrice parses a price in yuan with at most four decimals ("0.51", "0.5100"), under the same
// rules as ParseMoney.
func ParsePrice(s string) (Price, error) {
	v, err := parseFixed(s, 4)
	if err != nil {
		return 0, fmt.Errorf("parse price %q: %w", s, err)
	}
	return Price(v), nil
}

// RoundHalfUp returns num/den rounded half away from zero: 0.5 -> 1, -0.5 -> -1. It is the only
// rounding in the project, so that a fen is never lost to a different rule somewhere else. den must
// be positive; anything else is a programming error and panics.
func RoundHalfUp(num, den int64) int64 {
	if den <= 0 {
		panic(fmt.Sprintf("billing: RoundHalfUp with non-positive denominator %d", den))
	}
	q, r := num/den, num%den
	// |r| < den, so neither negation nor den-|r| can overflow; comparing |r| with den-|r| avoids
	// computing 2*|r|, which could.
	switch {
	case r > 0 && r >= den-r:
		q++
	case r < 0 && -r >= den+r:
		q--
	}
	return q
}

// Charge returns quantity x p rounded half-up to the fen. quantity x p is in 0.0001 yuan, so the
// product is divided by 100. Callers keep quantity x p within int64; Tariff.Bill checks it.
func Charge(quantity int64, p Price) Money {
	return Money(RoundHalfUp(quantity*int64(p), 100))
}

// mulFits reports whether a*b fits in int64, for callers that must reject rather than wrap.
func mulFits(a, b int64) bool {
	if a == 0 || b == 0 {
		return true
	}
	c := a * b
	return c/b == a && !(a == -1 && b == math.MinInt64) && !(b == -1 && a == math.MinInt64)
}

// formatFixed writes v scaled down by 10^decimals. It works on the magnitude as uint64 so that
// math.MinInt64 formats too.
func formatFixed(v int64, decimals int) string {
	mag := uint64(v)
	sign := ""
	if v < 0 {
		mag = -mag
		sign = "-"
	}
	scale := uint64(1)
	for range decimals {
		scale *= 10
	}
	frac := strconv.FormatUint(mag%scale, 10)
	for len(frac) < decimals {
		frac = "0" + frac
	}
	return sign + strconv.FormatUint(mag/scale, 10) + "." + frac
}

// parseFixed parses an optionally negative decimal with at most `decimals` fraction digits into an
// integer scaled by 10^decimals. It is strict on purpose: amounts arrive from forms, provider
// callbacks and files, and "1e3", " 1" or "1,000" must never become money silently.
func parseFixed(s string, decimals int) (int64, error) {
	rest := s
	neg := false
	if len(rest) > 0 && rest[0] == '-' {
		neg = true
		rest = rest[1:]
	}
	intPart, fracPart := rest, ""
	hasPoint := false
	for i := 0; i < len(rest); i++ {
		if rest[i] == '.' {
			intPart, fracPart, hasPoint = rest[:i], rest[i+1:], true
			break
		}
	}
	if intPart == "" || (hasPoint && fracPart == "") {
		return 0, fmt.Errorf("%w: want digits like 12.34", ErrInvalid)
	}
	if len(fracPart) > decimals {
		return 0, fmt.Errorf("%w: more than %d decimals", ErrInvalid, decimals)
	}
	// The magnitude of math.MinInt64 is one more than math.MaxInt64.
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	var mag uint64
	digits := intPart + fracPart
	for i := len(fracPart); i < decimals; i++ {
		digits += "0"
	}
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: unexpected character %q", ErrInvalid, c)
		}
		d := uint64(c - '0')
		if mag > (limit-d)/10 {
			return 0, fmt.Errorf("%w: out of range", ErrInvalid)
		}
		mag = mag*10 + d
	}
	if neg {
		return int64(-mag), nil
	}
	return int64(mag), nil
}
