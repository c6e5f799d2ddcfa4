package notify

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gridpay/internal/billing"
)

// Parameter names of the kinds' templates.
const (
	ParamCode      = "code"       // a sign-in or bind code, digits
	ParamMinutes   = "minutes"    // how long the code is valid, in minutes
	ParamAmount    = "amount"     // money in yuan, e.g. 100.00; in a low-balance alert the prepaid balance
	ParamReceiptNo = "receipt_no" // the core database's receipt number (收费流水号)
	ParamPrepaid   = "prepaid"    // money in yuan kept as prepaid balance (预存); absent when none
	ParamThreshold = "threshold"  // the prepaid balance under which a low-balance alert goes, in yuan
	ParamDueDate   = "due_date"   // a bill's due date, YYYY-MM-DD
	// ParamCutoffDate and ParamCutoffTime are the day (YYYY-MM-DD) and time of day (HH:MM, bureau
	// time) supply is planned to be interrupted.
	ParamCutoffDate = "cutoff_date"
	ParamCutoffTime = "cutoff_time"
	// ParamAccount is the account number (户号). Codes and receipts carry it whole: they go to the
	// phone that asked or paid. Reminder kinds carry it masked as pii.AccountNo gives it
	// (310*****01): a reminder goes to whatever phone the core database has on file, which may have
	// changed hands, and the pay link names the account anyway.
	ParamAccount = "account"
	// ParamLink is the account's 代缴 pay link, which every reminder kind carries: an absolute
	// http(s) URL of at most 128 characters. An SMS has it as its last parameter; a WeChat template
	// message opens it when tapped (the message's url), so it is never one of its fields.
	ParamLink = "link"
	// ParamDisputeNo is a dispute's number as the customer's pages show it, digits.
	ParamDisputeNo = "dispute_no"
	// ParamDisputeStatus is where a dispute now stands, as the customer's pages word it in
	// Chinese (受理, 核查, 待审批, 已调整...): one of DisputeStatusWords.
	ParamDisputeStatus = "dispute_status"
)

// DisputeStatusWords are the words ParamDisputeStatus may hold: short, fixed, and what the
// gateway's approved template was shown; DisputeStatusWord gives the one of a status.
var DisputeStatusWords = []string{"已受理", "核查中", "待审批", "已调整", "已退款", "未予支持", "回访中", "已办结"}

// disputeWords maps a dispute's status to its word, by the life order of billing.DisputeStatuses.
var disputeWords = map[billing.DisputeStatus]string{
	"open": "已受理", "in_review": "核查中", "awaiting_approval": "待审批", "adjusted": "已调整",
	"refunded": "已退款", "rejected": "未予支持", "follow_up": "回访中", "closed": "已办结",
}

// DisputeStatusWord is the word a dispute update says of status s; "" for no status.
func DisputeStatusWord(s billing.DisputeStatus) string { return disputeWords[s] }

// maxParam bounds a parameter's value, in characters, unless its spec says otherwise: SMS gateways
// take short variables, never a page.
const maxParam = 32

// maxLink bounds ParamLink: a link shares an SMS with its text, and each 67 characters more are
// another part to pay for.
const maxLink = 128

// paramSpec is what one parameter may hold: at most max characters of plain text on one line, in
// the form check accepts (nil: any).
type paramSpec struct {
	max   int
	check func(string) error
}

// params holds the spec of every parameter; the table refuses, at start-up, a template naming a
// parameter that has none.
var params = map[string]paramSpec{
	ParamCode:       {maxParam, digitsOnly},
	ParamMinutes:    {maxParam, digitsOnly},
	ParamAccount:    {maxParam, accountNo},
	ParamAmount:     {maxParam, money},
	ParamReceiptNo:  {maxParam, letterDigits},
	ParamPrepaid:    {maxParam, money},
	ParamThreshold:  {maxParam, money},
	ParamDueDate:    {maxParam, layout(time.DateOnly, "a date, YYYY-MM-DD")},
	ParamCutoffDate: {maxParam, layout(time.DateOnly, "a date, YYYY-MM-DD")},
	ParamCutoffTime: {maxParam, layout("15:04", "a time of day, HH:MM")},
	ParamLink:       {maxLink, link},
	ParamDisputeNo:  {maxParam, digitsOnly},
	ParamDisputeStatus: {maxParam, func(v string) error {
		if !slices.Contains(DisputeStatusWords, v) {
			return errors.New("must be one of the dispute status words")
		}
		return nil
	}},
}

// checkParam says what is wrong with the value v of parameter name.
func checkParam(name, v string) error {
	spec, ok := params[name]
	if !ok {
		return errors.New("is no parameter")
	}
	if v == "" || !utf8.ValidString(v) || utf8.RuneCountInString(v) > spec.max {
		return fmt.Errorf("must have 1 to %d characters", spec.max)
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return errors.New("must be plain text on one line")
		}
	}
	if spec.check != nil {
		return spec.check(v)
	}
	return nil
}

func digitsOnly(v string) error {
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return errors.New("must be digits")
		}
	}
	return nil
}

// accountNo accepts an account number whole or masked: digits and '*'.
func accountNo(v string) error {
	for i := 0; i < len(v); i++ {
		if (v[i] < '0' || v[i] > '9') && v[i] != '*' {
			return errors.New("must be an account number, whole or masked (310*****01)")
		}
	}
	return nil
}

func letterDigits(v string) error {
	for i := 0; i < len(v); i++ {
		if c := v[i] | 0x20; (c < 'a' || c > 'z') && (v[i] < '0' || v[i] > '9') {
			return errors.New("must be letters and digits")
		}
	}
	return nil
}

// money accepts yuan as billing.Money prints them, never below zero.
func money(v string) error {
	if m, err := billing.ParseMoney(v); err != nil || m < 0 {
		return errors.New("must be yuan, e.g. 175.00")
	}
	return nil
}

// urlChars are the characters of a URI (RFC 3986): unreserved, reserved and '%'.
const urlChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%"

func layout(l, want string) func(string) error {
	return func(v string) error {
		if t, err := time.Parse(l, v); err != nil || t.Format(l) != v {
			return errors.New("must be " + want)
		}
		return nil
	}
}

// link accepts an absolute http(s) URL made only of the characters RFC 3986 allows (no spaces, no
// look-alike letters, no backslash that a browser reads as a slash) with a host and no user name:
// the link a customer is told to tap must be what it looks like, so neither javascript:, nor a
// path relative to anything, nor https://bureau.cn@elsewhere.example.
func link(v string) error {
	for i := 0; i < len(v); i++ {
		if !strings.ContainsRune(urlChars, rune(v[i])) {
			return errors.New("must be a URL without spaces or characters a URL cannot hold")
		}
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Opaque != "" ||
		strings.HasPrefix(u.Host, ":") {
		return errors.New("must be an absolute http:// or https:// URL")
	}
	return nil
}
