package payments

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

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
// own answer. A duplicate answers success and changes nothing; a bad signature is refused and
// logged, nothing else; a wrong amount flags the order and is answered as received, so that the
// provider stops retrying.
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
		reply(c, p.Nack("body too large or unreadable"))
		return
	}
	n, err := p.VerifyCallback(ctx, c.Request.Header, body)
	if err != nil {
		cb.Log.Warn("callback refused", "provider", name, "remote", c.ClientIP(), "request_id", c.GetString("request_id"), "err", err)
		reply(c, p.Nack("verification failed"))
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
			OutTradeNo: n.OutTradeNo, Amount: n.Amount, PaidAt: n.PaidAt, Header: c.Request.Header, Body: body})
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
// again is answered as taken and changes nothing: a bank whose answer got lost must not reverse a
// collection we have.
func (cb *Callbacks) counterPayment(ctx context.Context, provider string, n Notification, h http.Header, body []byte) (store.MarkPaidResult, error) {
	if _, err := cb.Accounts.AccountByNumber(ctx, n.AccountNo); err != nil {
		return store.MarkPaidResult{}, fmt.Errorf("account: %w", err)
	}
	return cb.Orders.MarkCounterPaid(ctx,
		store.NewOrder{OutTradeNo: NewOutTradeNo(provider, cb.Now()), AccountNo: n.AccountNo, Channel: provider,
			Amount: n.Amount, ExpiresAt: cb.Now().Add(time.Hour)},
		store.Callback{Provider: provider, ProviderTxnID: n.ProviderTxnID, Amount: n.Amount, PaidAt: n.PaidAt, Header: h, Body: body})
}

func reply(c *gin.Context, r Reply) {
	c.Data(r.Status, r.ContentType, r.Body)
}
