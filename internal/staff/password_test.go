package staff_test

import (
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"gridpay/internal/billing"
	"gridpay/internal/staff"
)

var phc = regexp.MustCompile(`^\$argon2id\$v=19\$m=65536,t=3,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashAndCheckPassword(t *testing.T) {
	const pw = "电费回收率 correct horse"
	h, err := staff.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !phc.MatchString(h) {
		t.Fatalf("hash %q is not the PHC form of argon2id with m=65536,t=3,p=2", h)
	}
	again, err := staff.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if again == h {
		t.Error("two hashes of one password are equal: the salt is not fresh")
	}
	tests := []struct {
		name string
		pw   string
		want bool
	}{
		{"the password", pw, true},
		{"another", "电费回收率 correct horsf", false},
		{"empty", "", false},
		{"prefix", pw[:len(pw)-1], false},
		{"with a NUL", pw + "\x00", false},
		{"other case", strings.ToUpper(pw), false},
		{"10 KB", strings.Repeat("a", 10<<10), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := staff.CheckPassword(h, tt.pw)
			if err != nil || got != tt.want {
				t.Errorf("CheckPassword(%.20q) = %v, %v; want %v, nil", tt.pw, got, err, tt.want)
			}
		})
	}
}

func TestHashPasswordLimits(t *testing.T) {
	if _, err := staff.HashPassword(strings.Repeat("a", staff.MaxPassword+1)); !errors.Is(err, billing.ErrInvalid) {
		t.Errorf("hash of %d bytes: err = %v, want ErrInvalid", staff.MaxPassword+1, err)
	}
	for _, pw := range []string{"", "a\x00b", strings.Repeat("a", staff.MaxPassword)} {
		h, err := staff.HashPassword(pw)
		if err != nil {
			t.Fatalf("hash of %.20q: %v", pw, err)
		}
		if ok, err := staff.CheckPassword(h, pw); !ok || err != nil {
			t.Errorf("check of %.20q against its own hash = %v, %v", pw, ok, err)
		}
	}
	// A NUL is a byte like any other, not the end of the password.
	h, _ := staff.HashPassword("a\x00b")
	if ok, _ := staff.CheckPassword(h, "a"); ok {
		t.Error(`"a" matches the hash of "a\x00b"`)
	}
}

// TestCheckPasswordOtherParameters checks that a hash made with other costs, as an older or newer
// HashPassword may have written, still checks: the parameters come from the string.
func TestCheckPasswordOtherParameters(t *testing.T) {
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("a long enough password"), salt, 1, 8*1024, 1, 24)
	h := "$argon2id$v=19$m=8192,t=1,p=1$" + base64.RawStdEncoding.EncodeToString(salt) + "$" + base64.RawStdEncoding.EncodeToString(key)
	if ok, err := staff.CheckPassword(h, "a long enough password"); !ok || err != nil {
		t.Errorf("CheckPassword with m=8192,t=1,p=1 = %v, %v; want true, nil", ok, err)
	}
	if ok, err := staff.CheckPassword(h, "a long enough passwore"); ok || err != nil {
		t.Errorf("CheckPassword of a wrong password = %v, %v; want false, nil", ok, err)
	}
}

func TestCheckPasswordMalformedHash(t *testing.T) {
	const pw = "a long enough password"
	good, err := staff.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$") // "", argon2id, v=19, params, salt, key
	join := func(p ...string) string { return strings.Join(p, "$") }
	salt, key := parts[4], parts[5]
	// The same password under argon2i and argon2d must not check, whatever the bytes.
	rawSalt, _ := base64.RawStdEncoding.DecodeString(salt)
	argon2iKey := base64.RawStdEncoding.EncodeToString(argon2.Key([]byte(pw), rawSalt, 3, 64*1024, 2, 32))
	flipped := []byte(key)
	if flipped[0] == 'A' {
		flipped[0] = 'B'
	} else {
		flipped[0] = 'A'
	}

	tests := []struct {
		name string
		hash string
	}{
		{"empty", ""},
		{"plain text", pw},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", join("", "argon2i", "v=19", parts[3], salt, argon2iKey)},
		{"argon2d", join("", "argon2d", "v=19", parts[3], salt, key)},
		{"ARGON2ID", join("", "ARGON2ID", "v=19", parts[3], salt, key)},
		{"version 16", join("", "argon2id", "v=16", parts[3], salt, key)},
		{"no version", join("", "argon2id", parts[3], salt, key)},
		{"extra field", good + "$"},
		{"parameters reordered", join("", "argon2id", "v=19", "t=3,m=65536,p=2", salt, key)},
		{"leading zero", join("", "argon2id", "v=19", "m=065536,t=3,p=2", salt, key)},
		{"plus sign", join("", "argon2id", "v=19", "m=+65536,t=3,p=2", salt, key)},
		{"zero time", join("", "argon2id", "v=19", "m=65536,t=0,p=2", salt, key)},
		{"zero threads", join("", "argon2id", "v=19", "m=65536,t=3,p=0", salt, key)},
		{"4 GiB of memory", join("", "argon2id", "v=19", "m=4194304,t=3,p=2", salt, key)},
		{"a thousand passes", join("", "argon2id", "v=19", "m=65536,t=1000,p=2", salt, key)},
		{"255 threads", join("", "argon2id", "v=19", "m=65536,t=3,p=255", salt, key)},
		{"overflowing memory", join("", "argon2id", "v=19", "m=99999999999999999999,t=3,p=2", salt, key)},
		{"memory below 8 KiB a lane", join("", "argon2id", "v=19", "m=8,t=3,p=2", salt, key)},
		{"padded salt", join("", "argon2id", "v=19", parts[3], salt+"==", key)},
		{"salt not base64", join("", "argon2id", "v=19", parts[3], "!!!!!!!!!!!!!!!!!!!!!!", key)},
		{"short salt", join("", "argon2id", "v=19", parts[3], "YWJj", key)},
		{"empty key", join("", "argon2id", "v=19", parts[3], salt, "")},
		{"short key", join("", "argon2id", "v=19", parts[3], salt, "YWJjZGVm")},
		{"NUL inside", strings.Replace(good, "v=19", "v=19\x00", 1)},
		{"10 KB", good + strings.Repeat("A", 10<<10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := staff.CheckPassword(tt.hash, pw)
			if ok || !errors.Is(err, staff.ErrMalformedHash) {
				t.Errorf("CheckPassword(%.60q) = %v, %v; want false, ErrMalformedHash", tt.hash, ok, err)
			}
		})
	}

	t.Run("tampered key", func(t *testing.T) {
		ok, err := staff.CheckPassword(join("", "argon2id", "v=19", parts[3], salt, string(flipped)), pw)
		if ok || err != nil {
			t.Errorf("CheckPassword with a tampered key = %v, %v; want false, nil", ok, err)
		}
	})
	t.Run("tampered cost", func(t *testing.T) {
		ok, err := staff.CheckPassword(join("", "argon2id", "v=19", "m=65536,t=2,p=2", salt, key), pw)
		if ok || err != nil {
			t.Errorf("CheckPassword with a lowered cost = %v, %v; want false, nil", ok, err)
		}
	})
}

func TestCheckStrength(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		ok   bool
	}{
		{"passphrase", "correct horse battery", true},
		{"mixed twelve", "Tq7#mZ2!pLw9", true},
		{"Chinese passphrase", "青山县供电所抄表员小王二六", true},
		{"a default word among others", "admin of the qingshan station", true},
		{"eleven characters", "Tq7#mZ2!pLw", false},
		{"twelve Chinese characters are twelve", "供电所抄表员小王二六年好", true},
		{"129 bytes", strings.Repeat("ab", 64) + "c", false},
		{"128 bytes", strings.Repeat("ab3", 42) + "xy", true},
		{"10 KB", strings.Repeat("Tq7#mZ2!", 1280), false},
		{"NUL byte", "correct horse\x00battery", false},
		{"newline", "correct horse\nbattery", false},
		{"invalid UTF-8", "correct horse \xff\xfe battery", false},
		{"empty", "", false},
		{"one character repeated", "aaaaaaaaaaaaaaaa", false},
		{"one Chinese character repeated", strings.Repeat("电", 12), false},
		{"123456...", "123456789012", false},
		{"counting down", "987654321098", false},
		{"digits with a symbol", "1234567890123!", false},
		{"password", "password", false},
		{"Password1234", "Password1234", false},
		{"PASSWORD1234!", "PASSWORD1234!", false},
		{"P@ssw0rd2026", "P@ssw0rd2026", false},
		{"admin repeated", "adminadminadmin", false},
		{"Admin@123456", "Admin@123456", false},
		{"gridpay in any case", "GridPay20261129", false},
		{"administrator", "Administrator1", false},
		{"qwertyuiop", "qwertyuiop123", false},
		{"random digits", "839274619283", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := staff.CheckStrength(tt.pw)
			if tt.ok && err != nil {
				t.Errorf("CheckStrength(%.20q) = %v, want nil", tt.pw, err)
			}
			if !tt.ok && !errors.Is(err, billing.ErrInvalid) {
				t.Errorf("CheckStrength(%.20q) = %v, want ErrInvalid", tt.pw, err)
			}
		})
	}
}

// TestUnmatchableHash checks that the hash an unknown username is checked against has the
// parameters of a real hash (so it costs the same) and matches no password.
func TestUnmatchableHash(t *testing.T) {
	if !phc.MatchString(staff.UnmatchableHash) {
		t.Fatalf("UnmatchableHash %q is not the PHC form HashPassword writes", staff.UnmatchableHash)
	}
	for _, pw := range []string{"", "no such staff member: timing equaliser", "yunxi county demo", strings.Repeat("a", staff.MaxPassword)} {
		ok, err := staff.CheckPassword(staff.UnmatchableHash, pw)
		if err != nil || ok {
			t.Errorf("CheckPassword(UnmatchableHash, %q) = %v, %v; want false, nil", pw, ok, err)
		}
	}
}
