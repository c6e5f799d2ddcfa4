package billing

// ValidPhone reports whether s is a mainland mobile number as customers sign in with it: eleven
// ASCII digits, 1 then 3 to 9 (the mobile number blocks), without a country code, spaces or dashes.
// Sign-in codes go only to such numbers, so that nobody can have the bureau text premium or
// foreign numbers.
func ValidPhone(s string) bool {
	return len(s) == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' && allDigits(s)
}
