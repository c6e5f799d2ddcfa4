// Package i18n holds gridpay's messages in Chinese and English and formats money, dates and energy
// for them. Chinese comes first: it is the default whenever the customer has not chosen otherwise.
// It sits under internal so that internal/web can say what went wrong in the customer's language,
// and the customer pages and the staff pages share one catalog.
package i18n

import (
	"fmt"
	"sort"
	"strings"
)

// Lang is a language the portal speaks, as an IETF language tag; it is also the value of the
// language cookie.
type Lang string

// The portal's languages.
const (
	ZH Lang = "zh-CN"
	EN Lang = "en"
)

// Langs returns the portal's languages, Chinese first.
func Langs() []Lang { return []Lang{ZH, EN} }

// maxEntries bounds how much of an Accept-Language header Pick reads, so an 8 KB header of garbage
// costs no more than a real one.
const maxEntries = 32

// Pick chooses the language of a request. A cookie value of "zh-CN" or "en" (the customer's own
// choice, any letter case) wins. Otherwise the supported language the Accept-Language header rates
// highest wins: zh, zh-CN, zh-Hans, zh-TW and any other zh-* mean ZH; en, en-US, en-GB and any other
// en-* mean EN; other languages are skipped, so "fr, en;q=0.5" picks EN. Between equal q-values the
// earlier entry wins; q=0 means "not this one". Anything else, including a malformed, huge or
// non-UTF-8 header, gives ZH.
func Pick(cookie, acceptLanguage string) Lang {
	switch {
	case strings.EqualFold(cookie, string(ZH)):
		return ZH
	case strings.EqualFold(cookie, string(EN)):
		return EN
	}
	best, bestQ := ZH, 0
	rest := acceptLanguage
	for i := 0; i < maxEntries && rest != ""; i++ {
		var entry string
		entry, rest, _ = strings.Cut(rest, ",")
		lang, q, ok := parseEntry(entry)
		if ok && q > bestQ {
			best, bestQ = lang, q
		}
	}
	return best
}

// parseEntry parses one "tag;q=0.8" entry of an Accept-Language header; q is in thousandths. ok is
// false for an unsupported language or a malformed entry.
func parseEntry(entry string) (lang Lang, q int, ok bool) {
	tag, params, _ := strings.Cut(entry, ";")
	primary, _, _ := strings.Cut(strings.TrimSpace(tag), "-")
	primary, _, _ = strings.Cut(primary, "_") // zh_CN, as some clients send it
	switch {
	case strings.EqualFold(primary, "zh"):
		lang = ZH
	case strings.EqualFold(primary, "en"):
		lang = EN
	default:
		return "", 0, false
	}
	q = 1000
	if params = strings.TrimSpace(params); params != "" {
		name, value, found := strings.Cut(params, "=")
		if !found || !strings.EqualFold(strings.TrimSpace(name), "q") {
			return "", 0, false
		}
		if q, ok = parseQ(strings.TrimSpace(value)); !ok {
			return "", 0, false
		}
	}
	return lang, q, true
}

// parseQ parses an RFC 9110 qvalue ("0", "0.8", "1.000") into thousandths.
func parseQ(s string) (int, bool) {
	if s == "" || len(s) > 5 || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	q := int(s[0]-'0') * 1000
	if len(s) > 1 {
		if s[1] != '.' {
			return 0, false
		}
		scale := 100
		for _, c := range s[2:] {
			if c < '0' || c > '9' {
				return 0, false
			}
			q += int(c-'0') * scale
			scale /= 10
		}
	}
	if q > 1000 {
		return 0, false
	}
	return q, true
}

// T returns the message for key in lang, formatted with args by fmt.Sprintf when there are any. A
// language other than EN means ZH. A missing key returns the key itself, so a page shows what is
// missing rather than nothing.
func T(lang Lang, key string, args ...any) string {
	m, ok := catalog[key]
	if !ok {
		return key
	}
	msg := m.zh
	if lang == EN {
		msg = m.en
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// Has reports whether key is in the catalog.
func Has(key string) bool {
	_, ok := catalog[key]
	return ok
}

// Keys returns every key of the catalog, sorted.
func Keys() []string {
	keys := make([]string, 0, len(catalog))
	for k := range catalog {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
