package billing

// AccountNoLen is the length of a customer account number (户号).
const AccountNoLen = 10

// ValidAccountNo reports whether s is a customer account number (户号): exactly ten ASCII digits.
// Leading zeros are part of the number, so it is a string, never an integer.
func ValidAccountNo(s string) bool { return len(s) == AccountNoLen && allDigits(s) }

// allDigits reports whether every byte of s is an ASCII digit; "" has none to fail.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
