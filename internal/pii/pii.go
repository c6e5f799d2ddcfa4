// Package pii masks personal data (names, phones, addresses, account numbers) before it is shown to
// anyone but its owner or reaches a log line, as the personal information protection law asks.
//
// Every function works on runes, never splits a UTF-8 sequence, and turns invalid bytes, U+FFFD,
// control and format characters (such as bidirectional overrides) into '*', so a hostile value can
// neither panic nor forge a log line. A hidden run is at most 8 '*' long and every output is
// at most MaxRunes runes, however long the input. Masking a masked value gives it back unchanged
// for every example in the tests, and never reveals more than the first masking did.
package pii

import (
	"log/slog"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxRunes bounds the length of every masked value, in runes.
const MaxRunes = 64

// maxMask bounds one run of '*': beyond it the mask would only tell the reader how long the hidden
// part is.
const maxMask = 8

// maxWords is how many words of a space-separated name are kept: 6 words of at most 1+maxMask runes
// and their separators stay under MaxRunes.
const maxWords = 6

// Kinds of personal data understood by Attr.
const (
	KindName    = "name"
	KindPhone   = "phone"
	KindAddress = "address"
	KindAccount = "account"
)

// Name masks a person's or business's name.
//
// A name containing a Han character keeps its first rune and, from three runes on, its last:
// 张三 -> 张*, 张建国 -> 张*国, 欧阳修文 -> 欧**文. A name of more than four runes is a business and
// keeps its first three and last rune: 城关镇惠民农家乐 -> 城关镇****乐. A single rune is masked
// entirely. Other names are split into words, each keeping its first rune: John Smith -> J*** S****;
// a one-rune word is masked entirely, and only the first six words are kept.
func Name(s string) string {
	r := clean(s)
	if len(r) == 0 {
		return ""
	}
	if !hasHan(r) {
		return maskWords(r)
	}
	switch n := len(r); {
	case n == 1:
		return "*"
	case n == 2:
		return string(r[0]) + "*"
	case n <= 4:
		return keep(r, 1, 1)
	default:
		return keep(r, 3, 1)
	}
}

// Phone masks a phone number. Spaces and '-' are dropped first. Eleven runes (a mainland mobile)
// keep the first three and last four: 13800138000 -> 138****8000. Seven or more keep the first
// three and last two: 057112345678 -> 057*******78. Fewer than seven keep only the last rune:
// 12345 -> ****5; a single rune is masked entirely.
func Phone(s string) string {
	r := clean(strings.NewReplacer(" ", "", "-", "").Replace(s))
	if len(r) == 11 {
		return keep(r, 3, 4)
	}
	return keepShort(r)
}

// AccountNo masks a customer account number (户号) for log lines; the owner sees it whole. Seven or
// more runes keep the first three and last two: 3100000001 -> 310*****01. Fewer than seven keep
// only the last rune; a single rune is masked entirely.
func AccountNo(s string) string {
	return keepShort(clean(s))
}

// Address masks a postal address, keeping only where in the county it is.
//
//  1. The region is the leading runes up to and including the first 镇, 乡, 县 or 街道, if that
//     marker ends within the first 8 runes; it is kept. Without a region the whole address becomes
//     ******** (8 '*').
//  2. A village is a 村 or 社区 that is not the first rune after the region and ends within the
//     next 6 runes: its name becomes exactly ** and the marker is kept, and anything after it
//     becomes exactly ***. 城关镇王庄村1组2号 -> 城关镇**村***, 柳林镇张家村3组5号 -> 柳林镇**村***.
//  3. Otherwise everything after the region becomes exactly ******** (8 '*'):
//     城关镇解放路12号3栋402室 -> 城关镇********.
//
// The masks have fixed widths so that they tell nothing about the length of what they hide.
func Address(s string) string {
	r := clean(s)
	if len(r) == 0 {
		return ""
	}
	end := regionEnd(r)
	if end == 0 {
		return strings.Repeat("*", maxMask)
	}
	region, rest := string(r[:end]), r[end:]
	if len(rest) == 0 {
		return region
	}
	if name, marker := village(rest); name > 0 {
		out := region + "**" + marker
		if len(rest) > name+utf8.RuneCountInString(marker) {
			out += "***"
		}
		return out
	}
	return region + strings.Repeat("*", maxMask)
}

// Attr returns a log attribute whose value is masked according to kind (KindName, KindPhone,
// KindAddress or KindAccount). A value of any other kind is hidden entirely, as ***, because a
// log line must never carry what nobody said was safe to show.
func Attr(key, kind, value string) slog.Attr {
	return slog.String(key, Mask(kind, value))
}

// Mask masks value according to kind, as Attr does.
func Mask(kind, value string) string {
	switch kind {
	case KindName:
		return Name(value)
	case KindPhone:
		return Phone(value)
	case KindAddress:
		return Address(value)
	case KindAccount:
		return AccountNo(value)
	}
	if value == "" {
		return ""
	}
	return "***"
}

// clean returns the runes of s with surrounding white space trimmed and invalid bytes, U+FFFD,
// control and format characters replaced by '*'.
func clean(s string) []rune {
	s = strings.TrimSpace(s)
	r := make([]rune, 0, utf8.RuneCountInString(s))
	for _, c := range s {
		if c == utf8.RuneError || unicode.IsControl(c) || unicode.Is(unicode.Cf, c) {
			c = '*'
		}
		r = append(r, c)
	}
	return r
}

// keep returns the first head and last tail runes of r with at most maxMask '*' between them; r
// must be longer than head+tail.
func keep(r []rune, head, tail int) string {
	return string(r[:head]) + stars(len(r)-head-tail) + string(r[len(r)-tail:])
}

// keepShort keeps the first three and last two runes of values of seven runes or more, and only the
// last rune of shorter ones.
func keepShort(r []rune) string {
	switch n := len(r); {
	case n == 0:
		return ""
	case n == 1:
		return "*"
	case n < 7:
		return stars(n-1) + string(r[n-1])
	default:
		return keep(r, 3, 2)
	}
}

// stars returns n '*', but never more than maxMask.
func stars(n int) string {
	return strings.Repeat("*", min(n, maxMask))
}

func hasHan(r []rune) bool {
	for _, c := range r {
		if unicode.Is(unicode.Han, c) {
			return true
		}
	}
	return false
}

// maskWords keeps the first rune of each white-space-separated word of at least two runes.
func maskWords(r []rune) string {
	words := strings.Fields(string(r))
	if len(words) > maxWords {
		words = words[:maxWords]
	}
	for i, w := range words {
		wr := []rune(w)
		if len(wr) == 1 {
			words[i] = "*"
			continue
		}
		words[i] = string(wr[0]) + stars(len(wr)-1)
	}
	return strings.Join(words, " ")
}

// regionEnd returns the number of leading runes that name the region (see Address), or 0.
func regionEnd(r []rune) int {
	const within = 8
	for i := 0; i < len(r) && i < within; i++ {
		switch {
		case r[i] == '镇' || r[i] == '乡' || r[i] == '县':
			return i + 1
		case r[i] == '街' && i+1 < len(r) && i+1 < within && r[i+1] == '道':
			return i + 2
		}
	}
	return 0
}

// village returns the length in runes of a village's name at the start of rest and the marker that
// ends it (see Address), or 0 and "".
func village(rest []rune) (name int, marker string) {
	const within = 6
	for i := 1; i < len(rest) && i < within; i++ {
		switch {
		case rest[i] == '村':
			return i, "村"
		case rest[i] == '社' && i+1 < len(rest) && i+1 < within && rest[i+1] == '区':
			return i, "社区"
		}
	}
	return 0, ""
}
