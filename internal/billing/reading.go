package billing

import "fmt"

// Reading is a meter register reading in units of 0.01 kWh, because meters show two decimals.
type Reading int64

// Meter holds what turns two readings into billed kWh.
type Meter struct {
	Digits     int   // integer digits on the register, 4..9; a 6-digit meter rolls over from 999999.99 to 000000.00
	Multiplier int64 // 计费倍率 = CT ratio x PT ratio, >= 1
}

// Validate returns an error wrapping ErrInvalid unless Digits is 4..9 and Multiplier is at least 1.
func (m Meter) Validate() error {
	if m.Digits < 4 || m.Digits > 9 {
		return fmt.Errorf("meter: digits %d not in 4..9: %w", m.Digits, ErrInvalid)
	}
	if m.Multiplier < 1 {
		return fmt.Errorf("meter: multiplier %d below 1: %w", m.Multiplier, ErrInvalid)
	}
	return nil
}

// span returns the number of distinct readings the register can show, 10^Digits x 100 in 0.01
// kWh; a rollover adds exactly this much.
func (m Meter) span() int64 {
	s := int64(100)
	for range m.Digits {
		s *= 10
	}
	return s
}

// Consumption returns billed kWh: (current - previous) x multiplier, where current < previous means
// a rollover (current + 10^Digits*100 - previous, in 0.01 units), rounded half-up to whole kWh.
// The multiplier applies before rounding, because the register's hundredths are real energy times
// the CT/PT ratio. Errors (wrapping ErrInvalid) for an invalid meter, negative readings or readings
// >= 10^Digits*100, which no register of that size can show.
func Consumption(m Meter, previous, current Reading) (int64, error) {
	if err := m.Validate(); err != nil {
		return 0, fmt.Errorf("consumption: %w", err)
	}
	span := m.span()
	for _, r := range []Reading{previous, current} {
		if r < 0 || int64(r) >= span {
			return 0, fmt.Errorf("consumption: reading %d outside a %d-digit register: %w", r, m.Digits, ErrInvalid)
		}
	}
	diff := int64(current) - int64(previous)
	if diff < 0 {
		diff += span
	}
	if !mulFits(diff, m.Multiplier) {
		return 0, fmt.Errorf("consumption: %d x multiplier %d overflows: %w", diff, m.Multiplier, ErrInvalid)
	}
	return RoundHalfUp(diff*m.Multiplier, 100), nil
}
