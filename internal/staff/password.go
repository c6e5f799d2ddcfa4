package staff

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"gridpay/internal/billing"
)

// Password limits.
const (
	// MinPassword is the fewest characters a password may have.
	MinPassword = 12
	// MaxPassword bounds a password in bytes: a passphrase fits, and nobody makes the server hash
	// a megabyte.
	MaxPassword = 128
)

// The argon2id parameters of new hashes (RFC 9106's second recommendation, with 64 MiB): about
// 50 ms on one core of a current server, a fair price for a sign-in and a high one for a guesser.
const (
	argonMemory  = 64 * 1024 // KiB
	argonTime    = 3
	argonThreads = 2
	argonSalt    = 16
	argonKey     = 32
)

// Bounds on the parameters CheckPassword accepts from a stored hash. They are far above what
// HashPassword writes, and low enough that a tampered row cannot make one sign-in take the
// server's memory or a minute of its time.
const (
	maxArgonMemory  = 1 << 20 // KiB: 1 GiB
	maxArgonTime    = 20
	maxArgonThreads = 16
	maxHashText     = 256
)

// ErrMalformedHash means a stored password hash is not one HashPassword could have written. It is
// no kind of billing error: the fault is in the stored row, not in what the user typed.
var ErrMalformedHash = errors.New("staff: malformed password hash")

// HashPassword hashes pw with argon2id and a fresh random salt, in the PHC string form
// $argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash> (unpadded base64). A password longer than
// MaxPassword bytes is invalid.
func HashPassword(pw string) (string, error) {
	if len(pw) > MaxPassword {
		return "", fmt.Errorf("staff: hash password: longer than %d bytes: %w", MaxPassword, billing.ErrInvalid)
	}
	salt := make([]byte, argonSalt)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("staff: hash password: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKey)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// UnmatchableHash is an argon2id hash with HashPassword's parameters whose salt and key were drawn at
// random, not derived from any password: checking a password against it costs what checking a real
// hash costs, and nothing matches it. A sign-in for an unknown username checks against it, so that
// the refusal takes as long as a wrong password's and does not tell which usernames exist. It is a
// constant so that no process spends 64 MiB and a sixth of a second making one at start-up.
var UnmatchableHash = fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
	"NoRfaFjoFhjCyMFGWT5f7Q", "uvL3V9ajfxC6PjR1jzH/mfzhh0jpw9mzgfOifovrYlE")

// CheckPassword reports whether pw is the password hash was made from, comparing in constant time.
// The parameters are read from hash, so hashes made with other costs still check. A hash that is
// not an argon2id PHC string of version 19 with sane parameters is ErrMalformedHash, never a match.
// A password longer than MaxPassword bytes matches nothing, since HashPassword refuses to hash one.
func CheckPassword(hash, pw string) (bool, error) {
	p, err := parseHash(hash)
	if err != nil {
		return false, err
	}
	if len(pw) > MaxPassword {
		return false, nil
	}
	key := argon2.IDKey([]byte(pw), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1, nil
}

// argonHash is a parsed PHC string.
type argonHash struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

// parseHash reads $argon2id$v=19$m=M,t=T,p=P$salt$key strictly: numbers in their canonical form,
// each within bounds, and salt and key in unpadded base64 of sane lengths.
func parseHash(s string) (argonHash, error) {
	var h argonHash
	bad := func(why string) (argonHash, error) { return argonHash{}, fmt.Errorf("%w: %s", ErrMalformedHash, why) }
	if len(s) > maxHashText {
		return bad("too long")
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return bad("want 5 fields")
	}
	if parts[1] != "argon2id" {
		return bad("not argon2id")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("not version 19")
	}
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return bad("want m, t and p")
	}
	m, okM := param(params[0], "m=", maxArgonMemory)
	t, okT := param(params[1], "t=", maxArgonTime)
	p, okP := param(params[2], "p=", maxArgonThreads)
	// argon2 needs at least 8 KiB of memory per lane.
	if !okM || !okT || !okP || m < 8*p {
		return bad("parameters out of bounds")
	}
	h.memory, h.time, h.threads = uint32(m), uint32(t), uint8(p)
	var err error
	if h.salt, err = base64.RawStdEncoding.Strict().DecodeString(parts[4]); err != nil || len(h.salt) < 8 || len(h.salt) > 64 {
		return bad("salt")
	}
	if h.key, err = base64.RawStdEncoding.Strict().DecodeString(parts[5]); err != nil || len(h.key) < 16 || len(h.key) > 64 {
		return bad("key")
	}
	return h, nil
}

// param reads "<prefix><n>" with n from 1 to max written canonically (no sign, no leading zero).
func param(s, prefix string, max uint64) (uint64, bool) {
	digits, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, 10, 32)
	if err != nil || n == 0 || n > max || strconv.FormatUint(n, 10) != digits {
		return 0, false
	}
	return n, true
}

// defaultWords are the passwords that come with systems, or that people give them first, as
// CheckStrength sees them: letters only, so "passwrd" is Passw0rd and "psswrd" is P@ssw0rd. A
// password that is only one of these (in any case, perhaps repeated, with digits or symbols
// around it) is refused.
var defaultWords = []string{"admin", "administrator", "password", "passwrd", "psswrd", "gridpay", "root", "qwerty",
	"qwertyuiop", "changeme", "welcome", "letmein", "test", "guest", "abc", "abcdef", "iloveyou"}

// CheckStrength returns an error wrapping billing.ErrInvalid when pw is too weak for a staff
// account: fewer than MinPassword characters, more than MaxPassword bytes, not valid UTF-8 or with
// control characters (nothing a person types into a form), one character repeated, a run of
// consecutive digits (123456789012), or a default word such as "admin", "password" or "gridpay" in
// any case, repeated or dressed with digits and symbols ("Password1234!").
func CheckStrength(pw string) error {
	weak := func(why string) error { return fmt.Errorf("staff: password %s: %w", why, billing.ErrInvalid) }
	switch {
	case len(pw) > MaxPassword:
		return weak(fmt.Sprintf("is longer than %d bytes", MaxPassword))
	case !utf8.ValidString(pw) || strings.ContainsFunc(pw, unicode.IsControl):
		return weak("has characters that cannot be typed")
	case utf8.RuneCountInString(pw) < MinPassword:
		return weak(fmt.Sprintf("is shorter than %d characters", MinPassword))
	}
	first, _ := utf8.DecodeRuneInString(pw)
	if strings.Trim(pw, string(first)) == "" {
		return weak("is one character repeated")
	}
	var letters, digits strings.Builder
	for _, r := range strings.ToLower(pw) {
		switch {
		case unicode.IsLetter(r):
			letters.WriteRune(r)
		case unicode.IsDigit(r):
			digits.WriteRune(r)
		}
	}
	if letters.Len() == 0 && consecutive(digits.String()) {
		return weak("is a run of consecutive digits")
	}
	for _, w := range defaultWords {
		if l := letters.String(); l != "" && strings.ReplaceAll(l, w, "") == "" {
			return weak("is a default password")
		}
	}
	return nil
}

// consecutive reports whether the digits s count up or down one at a time (wrapping from 9 to 0
// and back), as on a keyboard's number row: 123456789012, 987654321098.
func consecutive(s string) bool {
	if len(s) < 2 {
		return len(s) == 1
	}
	up, down := true, true
	for i := 1; i < len(s); i++ {
		d := (int(s[i]) - int(s[i-1]) + 10) % 10
		up = up && d == 1
		down = down && d == 9
	}
	return up || down
}
