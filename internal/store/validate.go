package store

import (
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"gridpay/internal/billing"
)

// The field checks of the store, in one place. The domain's formats (account numbers, mobile
// phones, billing periods) are billing's: billing.ValidAccountNo, billing.ValidPhone and
// billing.Period.Valid; what is here is what the columns themselves ask.

// identifier reports whether s is 1 to max characters of [0-9A-Za-z_-]: what providers use for
// order numbers, and nothing that collations could fold or trim.
func identifier(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// validOrderChannel reports whether c is a channel orders are taken through.
func validOrderChannel(c string) bool { return c == "wechat" || c == "alipay" || c == "bank" }

// validOrderNote reports whether s fits an event's note: valid UTF-8, no NUL, at most MaxOrderNote.
func validOrderNote(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0) && utf16Len(s) <= MaxOrderNote
}

// validCodeURL reports whether s is 1 to MaxCodeURL bytes of printable ASCII without spaces, as
// every provider's code_url is.
func validCodeURL(s string) bool { return printable(s, MaxCodeURL) }

// printable reports whether s is 1 to max bytes of printable ASCII without spaces: what outside
// services use for their ids and codes when they are more than identifiers (Tencent's SMS serial
// numbers have a colon, say), and still nothing that a log line or a collation could misread.
func printable(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// earliestDate and latestDate bound the civil dates the store accepts from callers (an exemption, a
// due date, a reminder's day): before the first is a typing mistake or a zero value that slipped
// through, and the years past the second are beyond any plan a bureau makes.
var (
	earliestDate = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	latestDate   = time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)
)

// plausibleDate reports whether the civil date d lies between earliestDate and latestDate.
func plausibleDate(d time.Time) bool { return !d.Before(earliestDate) && !d.After(latestDate) }

// validOrderAmount reports whether m is an amount one order may ask.
func validOrderAmount(m billing.Money) bool { return m > 0 && m <= MaxOrderAmount }

// validDisputeText reports whether s is a non-blank text of valid UTF-8 that fits its column.
func validDisputeText(s string) bool {
	return utf8.ValidString(s) && strings.TrimSpace(s) != "" && utf16Len(s) <= MaxDisputeText &&
		!strings.ContainsRune(s, 0)
}

// utf16Len is the length of s in UTF-16 code units, as NVARCHAR(n) counts it: a rare character
// outside the BMP (𠮷) takes two.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// truncateText cuts s to at most n bytes on a rune boundary and makes it valid UTF-8, for an error
// message about hostile input or a column of bounded length.
func truncateText(s string, n int) string {
	s = strings.ToValidUTF8(s, "?")
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}
