// Package billing is the domain of gridpay: money in fen, prices in 0.0001 yuan, customer classes,
// meter consumption, tariffs and line items, late fees, and how a payment settles open bills; the
// formats of account numbers, mobile phones and billing periods; the state machines of payment
// orders and disputes, and what counts as a payment in flight. Each rule is written here once and
// everything else calls it.
//
// It imports only the standard library and holds no state: every function takes the dates and
// rates it needs, so callers decide which clock and which configuration apply. The rules follow
// docs/domain.md; rounding happens in one place, RoundHalfUp.
package billing
