package billing

// ValidPhone reports whether s is a mainland mobile number as customers sign in with it: eleven
// ASCII digits, 1 then 3 to 9 (the mobile number blocks), without a country code, spaces or dashes.
// Sign-in codes go only to such numbers, so that nobody can have the bureau text premium or
// foreign numbers.
func ValidPhone(s string) bool {
	return len(s) == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' && allDigits(s)
}

// MaxOpenID bounds a WeChat OpenID. WeChat's are 28 characters of [0-9A-Za-z_-] today; columns
// and checks leave room for a longer form without accepting anything else.
const MaxOpenID = 64

// ValidOpenID reports whether s can be a WeChat OpenID, the customer under one WeChat app: 1 to
// MaxOpenID of ASCII letters, digits, - and _.
func ValidOpenID(s string) bool {
	if s == "" || len(s) > MaxOpenID {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
