package i18n

import (
	"fmt"
	"strconv"
	"time"
)

// Money formats an amount in fen as yuan with thousands separators, the same in both languages:
// ¥1,234.56, -¥1,234.56, ¥0.00. Every int64, including the smallest, is formatted exactly.
func Money(fen int64) string {
	u, sign := abs(fen)
	return fmt.Sprintf("%s¥%s.%02d", sign, group(u/100), u%100)
}

// Date formats the civil date of t, in t's own location: 2026年3月15日 in ZH, 15 Mar 2026 in EN.
func Date(lang Lang, t time.Time) string {
	if lang == EN {
		return t.Format("2 Jan 2006")
	}
	y, m, d := t.Date()
	return fmt.Sprintf("%d年%d月%d日", y, m, d)
}

// Reading formats a meter register's reading, kept in hundredths of a kWh, with its two decimals
// as the meter shows it: 56988.70. A negative one (never read from a meter) keeps its sign.
func Reading(hundredths int64) string {
	u, sign := abs(hundredths)
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// KWh formats an amount of energy with thousands separators, the same in both languages: 1,870 kWh.
func KWh(kwh int64) string {
	u, sign := abs(kwh)
	return sign + group(u) + " kWh"
}

// abs returns the magnitude of n as a uint64, which holds even -math.MinInt64, and its sign.
func abs(n int64) (uint64, string) {
	if n < 0 {
		return -uint64(n), "-"
	}
	return uint64(n), ""
}

// group writes u with a comma between each group of three digits.
func group(u uint64) string {
	s := strconv.FormatUint(u, 10)
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
