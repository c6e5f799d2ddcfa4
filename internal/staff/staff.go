// Package staff holds the rules of the bureau's staff accounts that need no database: the roles,
// the username format, password hashing and strength, and one-time passwords. The store keeps the
// accounts; the staff pages (planned) sign staff in with these rules.
package staff

import (
	"crypto/rand"
	"fmt"
	"math/big"
)

// Role is what a staff member may do in the staff area (issue 11's role matrix).
type Role string

// The roles.
const (
	// Agent handles disputes and adjusts bills up to a limit.
	Agent Role = "agent"
	// Supervisor approves what is above an agent's limit, never their own proposal.
	Supervisor Role = "supervisor"
	// Finance handles reconciliation, refunds and flagged payments.
	Finance Role = "finance"
	// Auditor reads everything and changes nothing.
	Auditor Role = "auditor"
	// Admin manages staff accounts, configuration and the task queues.
	Admin Role = "admin"
)

// Roles returns every role, from the least to the most trusted with staff accounts.
func Roles() []Role { return []Role{Agent, Supervisor, Finance, Auditor, Admin} }

// Valid reports whether r is one of the five roles.
func (r Role) Valid() bool {
	switch r {
	case Agent, Supervisor, Finance, Auditor, Admin:
		return true
	}
	return false
}

// NeedsTOTP reports whether r must sign in with a second factor: the roles that approve money,
// move it, or manage other accounts.
func (r Role) NeedsTOTP() bool { return r == Supervisor || r == Finance || r == Admin }

// Username limits.
const (
	MinUsername = 3
	MaxUsername = 32
)

// ValidUsername reports whether s is 3 to 32 characters of [a-z0-9._-]. Lower case only, so that
// "Zhang.Wei" and "zhang.wei" can never be two accounts, whatever a database's collation folds.
func ValidUsername(s string) bool {
	if len(s) < MinUsername || len(s) > MaxUsername {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// otpAlphabet leaves out the characters people misread when they copy a password off a screen or
// a slip of paper: 0 O o, 1 l I i.
const otpAlphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// OneTimePasswordLen is the length of NewOneTimePassword's passwords: 16 characters of a
// 55-character alphabet are about 92 bits.
const OneTimePasswordLen = 16

// NewOneTimePassword returns a random password for a new account, to be changed at its first
// sign-in: OneTimePasswordLen characters from an alphabet without look-alikes.
func NewOneTimePassword() string {
	b := make([]byte, OneTimePasswordLen)
	n := big.NewInt(int64(len(otpAlphabet)))
	for i := range b {
		k, err := rand.Int(rand.Reader, n)
		if err != nil {
			// crypto/rand does not fail on a supported platform (Go 1.24 and later crash instead).
			panic(fmt.Sprintf("staff: crypto/rand: %v", err))
		}
		b[i] = otpAlphabet[k.Int64()]
	}
	return string(b)
}
