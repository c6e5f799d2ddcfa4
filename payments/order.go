// Package payments takes a customer's money: payment orders and their order numbers, QR codes to
// pay them, and, as they arrive, the providers (WeChat Pay, Alipay, banks), their callbacks, the
// active query for orders that heard nothing, and reconciliation. docs/design.md, "A payment, end to
// end", is the story this package tells.
package payments

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"

	"gridpay/internal/billing"
)

// Status is where a payment order stands. It is billing.OrderStatus under the name this package's
// callers expect: the state machine itself lives in internal/billing because internal/store, which
// sits below payments, checks every status change against it.
type Status = billing.OrderStatus

// The order statuses; see billing.OrderStatus for the legal moves between them.
const (
	Created   = billing.OrderCreated
	Pending   = billing.OrderPending
	Paid      = billing.OrderPaid
	Posted    = billing.OrderPosted
	Closed    = billing.OrderClosed
	Flagged   = billing.OrderFlagged
	Refunding = billing.OrderRefunding
	Refunded  = billing.OrderRefunded
)

// Transition returns nil when an order may move from one status to the other, and otherwise an
// error wrapping billing.ErrConflict that names both.
func Transition(from, to Status) error { return billing.TransitionOrder(from, to) }

// The channels a customer pays through.
const (
	WeChat = "wechat"
	Alipay = "alipay"
	Bank   = "bank"
)

// outTradeNoZone is the time zone of the timestamp in order numbers: China Standard Time, which
// has no daylight saving, fixed so that no tz database is needed.
var outTradeNoZone = time.FixedZone("CST", 8*3600)

// channelLetter marks the channel in an order number, so a person reading a statement line can tell
// where it came from; an unknown channel is X.
func channelLetter(channel string) string {
	switch channel {
	case WeChat:
		return "W"
	case Alipay:
		return "A"
	case Bank:
		return "B"
	}
	return "X"
}

// NewOutTradeNo returns a new merchant order number (商户订单号): "GP", a letter for the channel
// (W, A, B, or X for another), the time in China as yyyymmddHHMMSS and 12 random decimal digits,
// 29 characters of [0-9A-Z] in all, within every provider's limit (WeChat Pay: 32). Numbers made
// in the same second differ in their 10^12 random digits; the portal database's unique index on
// out_trade_no catches what chance leaves.
func NewOutTradeNo(channel string, now time.Time) string {
	return "GP" + channelLetter(channel) + now.In(outTradeNoZone).Format("20060102150405") +
		fmt.Sprintf("%012d", randomBelow(1e12))
}

// randomBelow returns a uniformly random integer in [0, n) from crypto/rand, rejecting the top
// values of the uint64 range that would bias the remainder.
func randomBelow(n uint64) uint64 {
	limit := ^uint64(0) - ^uint64(0)%n
	var b [8]byte
	for {
		rand.Read(b[:]) // never fails since Go 1.24; it crashes the program instead
		if v := binary.BigEndian.Uint64(b[:]); v < limit {
			return v % n
		}
	}
}
