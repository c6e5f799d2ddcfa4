package billing

// ValidPhone reports whether s is a mainland mobile number as customers sign in with it: eleven
// ASCII digits starting with 1, without a country code, spaces or dashes.
func ValidPhone(s string) bool { return len(s) == 11 && s[0] == '1' && allDigits(s) }
