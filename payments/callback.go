package payments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"gridpay/internal/billing"
	"gridpay/internal/store"
)

// AccountFinder is the one core-database question callbacks ask: does this account exist.
type AccountFinder interface {
	AccountByNumber(ctx context.Context, accountNo string) (store.Account, error)
}

// maxCallbackBody bounds a callback body; providers send a few kilobytes.
const maxCallbackBody = 64 << 10

// Callbacks answers POST /callbacks/{provider} (docs/design.md, "A payment, end to end", step 2): the
// raw body is verified by its provider; in ONE transaction the callback is kept, the order moves to
// PAID and an outbox row is written; after the commit payment:post is queued; the provider gets its
// own answer. A duplicate answers success and changes nothing; a callback that fails verification
// is refused for good (4xx where the protocol has it) and logged, nothing else; a wrong amount flags
// the order and is answered as received, so that the provider stops retrying. The same provider
// transaction again with another amount, order or account is kept for staff and answered as
// received, never posted; a bank collection for an account that does not exist is kept for staff
// and refused for good.
type Callbacks struct {
	Providers map[string]Provider
	Orders    *store.Portal
	Accounts  AccountFinder
	Enqueuer  Enqueuer
	Log       *slog.Logger
	Now       func() time.Time
}

// Handle is the gin handler of POST /callbacks/:provider.
func (cb *Callbacks) Handle(c *gin.Context) {
	ctx := c.Request.Context()
	name := c.Param("provider")
	p, ok := cb.Providers[name]
	if !ok {
		c.JSON(http.StatusNotFound, gin.H{"code": "FAIL", "message": "unknown provider"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, maxCallbackBody+1))
	if err != nil || len(body) > maxCallbackBody {
		cb.Log.Warn("callback refused: body unreadable or too large", "provider", name, "bytes", len(body), "err", err)
		reply(c, refuse(p, "body too large or unreadable"))
		return
	}
	n, err := p.VerifyCallback(ctx, c.Request.Header, body)
	switch {
	case errors.Is(err, billing.ErrUnauthorized) || errors.Is(err, billing.ErrInvalid):
		// The caller's fault (a bad signature, a stale timestamp, another key, a body that does not
		// decrypt or parse): refused, so that garbage never counts as a server error.
		cb.Log.Warn("callback refused", "provider", name, "remote", c.ClientIP(), "request_id", c.GetString("request_id"), "err", err)
		reply(c, refuse(p, "verification failed"))
		return
	case err != nil:
		// Ours (e.g. the provider's keys could not be fetched): the provider sends it again.
		cb.Log.Error("callback not verified", "provider", name, "request_id", c.GetString("request_id"), "err", err)
		reply(c, p.Nack("not verified, try again later"))
		return
	}
	if !n.Paid {
		reply(c, p.Ack()) // an event that credits nothing (e.g. waiting for the buyer)
		return
	}
	var res store.MarkPaidResult
	if n.OutTradeNo == "" && n.AccountNo != "" {
		res, err = cb.counterPayment(ctx, name, n, c.Request.Header, body)
	} else {
		res, err = cb.Orders.MarkPaidFromCallback(ctx, store.Callback{Provider: name, ProviderTxnID: n.ProviderTxnID,
			OutTradeNo: n.OutTradeNo, Amount: n.Amount, PaidAt: n.PaidAt, Header: c.Request.Header, Body: body, Text: n.Text})
	}
	if errors.Is(err, errUnknownAccount) {
		// Kept for staff; sending it again cannot make the account exist.
		cb.Log.Warn("callback refused: no such account, kept for staff", "provider", name, "txn", n.ProviderTxnID, "err", err)
		reply(c, refuse(p, "account does not exist"))
		return
	}
	if err == nil && res.Outcome == store.PaymentConflict {
		// The transaction was taken before with another amount, order or account: this report is
		// kept for staff, nothing is posted, and the provider is told it arrived so that it stops.
		cb.Log.Error("callback conflicts with the transaction taken before: kept for staff", "provider", name,
			"order", n.OutTradeNo, "txn", n.ProviderTxnID, "amount", n.Amount, "kept_for", res.Order.OutTradeNo)
		reply(c, p.Ack())
		return
	}
	if err != nil {
		// Unknown order or account, a transaction claimed twice, or the database away: the provider
		// retries, and the log says which.
		cb.Log.Error("callback not taken", "provider", name, "order", n.OutTradeNo, "txn", n.ProviderTxnID, "err", err)
		reply(c, p.Nack("not taken, try again later"))
		return
	}
	QueuePosting(ctx, cb.Enqueuer, cb.Log, res.Order.ID, res.OutboxID)
	cb.Log.Info("callback taken", "provider", name, "order", n.OutTradeNo, "outcome", res.Outcome, "status", res.Order.Status)
	reply(c, p.Ack())
}

// counterPayment records money a bank collected at its counter, with an order made for it in the
// same transaction, so that it then takes the path of any other payment. The same bank transaction
// again is answered as taken and changes nothing (a bank whose answer got lost must not reverse a
// collection we have); with another amount or account it is kept for staff. A collection for an
// account that does not exist is kept for staff and is errUnknownAccount.
func (cb *Callbacks) counterPayment(ctx context.Context, provider string, n Notification, h http.Header, body []byte) (store.MarkPaidResult, error) {
	kept := store.Callback{Provider: provider, ProviderTxnID: n.ProviderTxnID, AccountNo: n.AccountNo, Amount: n.Amount,
		PaidAt: n.PaidAt, Header: h, Body: body}
	_, err := cb.Accounts.AccountByNumber(ctx, n.AccountNo)
	if errors.Is(err, billing.ErrNotFound) || errors.Is(err, billing.ErrInvalid) {
		// No such account (or no account number at all): money collected for nobody, for staff to
		// return or place; the bank is told so for good.
		if rerr := cb.Orders.RecordUnknownAccount(ctx, kept); rerr != nil {
			return store.MarkPaidResult{}, fmt.Errorf("account: %w; keeping it for staff: %w", err, rerr)
		}
		return store.MarkPaidResult{}, fmt.Errorf("%w: %w", errUnknownAccount, err)
	}
	if err != nil {
		return store.MarkPaidResult{}, fmt.Errorf("account: %w", err)
	}
	return cb.Orders.MarkCounterPaid(ctx,
		store.NewOrder{OutTradeNo: NewOutTradeNo(provider, cb.Now()), AccountNo: n.AccountNo, Channel: provider,
			Amount: n.Amount, ExpiresAt: cb.Now().Add(time.Hour)}, kept)
}

// errUnknownAccount is a bank collection for an account that does not exist, kept for staff.
var errUnknownAccount = errors.New("collection for an account that does not exist")

// Refuser is a Provider whose protocol tells a callback refused for good (the caller's fault, such
// as a failed verification, which must not count as a server error) apart from one to send again
// later (Nack).
type Refuser interface {
	// Refuse is the answer to a callback that is refused and must not be read as our failure.
	Refuse(reason string) Reply
}

// refuse answers a callback refused for good in p's protocol: Refuse where p has it, Nack otherwise
// (Alipay reads anything but "success" alike).
func refuse(p Provider, reason string) Reply {
	if r, ok := p.(Refuser); ok {
		return r.Refuse(reason)
	}
	return p.Nack(reason)
}

func reply(c *gin.Context, r Reply) {
	c.Data(r.Status, r.ContentType, r.Body)
}
