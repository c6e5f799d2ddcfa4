package worker

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"gridpay/internal/billing"
	"gridpay/internal/store"
	"gridpay/notify/tencent"
)

// SMSReports is an SMS gateway that hands out delivery reports of the messages it accepted, each
// once (Tencent Cloud SMS: *tencent.SMS). Name is the channel's name on the reminders it sent.
type SMSReports interface {
	Name() string
	PullStatus(ctx context.Context, limit int) ([]tencent.Report, error)
}

// ReminderReports is the core database as delivery reports change its reminder proof.
type ReminderReports interface {
	MarkReminderDelivered(ctx context.Context, channel, messageID string, at time.Time) (store.Reminder, error)
	MarkReminderUndelivered(ctx context.Context, channel, messageID, code string, at time.Time) (store.Reminder, error)
}

// maxPullsPerTick bounds one tick's work: a tick pulls pages until the gateway holds no more, or
// this many pages (10,000 reports) have come; the next tick goes on.
const maxPullsPerTick = 100

// SMSStatusPuller pulls the SMS gateway's delivery reports every Every and writes each into the
// reminder proof: a reminder the phone received becomes delivered, one that never arrived failed
// with the carrier's code, so that the legal clock stops counting a lost 催交 as delivered. Reports
// about messages that are no reminders (sign-in codes, receipts) are passed over. The gateway hands
// each report out once, so a report the core database cannot take now (it is down) is kept and
// written first at the next tick; every worker process may run a puller, each getting other reports.
type SMSStatusPuller struct {
	Gateway SMSReports
	Core    ReminderReports
	Every   time.Duration
	Now     func() time.Time
	Log     *slog.Logger

	mu      sync.Mutex
	backlog []tencent.Report // pulled, not yet written
}

// StatusCounts is what one tick did with the reports it handled.
type StatusCounts struct {
	Delivered   int // reminders confirmed delivered (or confirmed again)
	Undelivered int // reminders now failed (or failed already)
	Skipped     int // reports about no reminder, or that the proof could not take (logged)
}

// Tick pulls the reports the gateway holds and writes each one. It stops at the first error that
// is no verdict on a report (the gateway or the core database unavailable), keeping the reports not
// yet written for the next tick, and returns it.
func (p *SMSStatusPuller) Tick(ctx context.Context) (StatusCounts, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var counts StatusCounts
	for range maxPullsPerTick {
		if len(p.backlog) == 0 {
			reports, err := p.Gateway.PullStatus(ctx, tencent.MaxPull)
			if err != nil {
				return counts, err
			}
			p.backlog = reports
		}
		page := len(p.backlog)
		for len(p.backlog) > 0 {
			if err := p.write(ctx, p.backlog[0], &counts); err != nil {
				return counts, err
			}
			p.backlog = p.backlog[1:]
		}
		if page < tencent.MaxPull {
			break // the gateway held less than a page: nothing more waits
		}
	}
	return counts, nil
}

// write applies one report to the reminder proof. Only an error that may pass later is returned.
func (p *SMSStatusPuller) write(ctx context.Context, r tencent.Report, counts *StatusCounts) error {
	channel := p.Gateway.Name()
	now := p.Now()
	at := r.UserReceiveTime
	if at.IsZero() || at.After(now) {
		// No time, or one ahead of ours (a clock off, or garbage): the report is news now.
		at = now
	}
	var (
		rec store.Reminder
		err error
	)
	switch r.ReportStatus {
	case tencent.ReportSuccess:
		rec, err = p.Core.MarkReminderDelivered(ctx, channel, r.SerialNo, at)
	case tencent.ReportFail:
		rec, err = p.Core.MarkReminderUndelivered(ctx, channel, r.SerialNo, undeliveredCode(r.Description), at)
	default:
		p.Log.Warn("delivery report of an unknown status passed over", "message_id", logText(r.SerialNo), "status", logText(r.ReportStatus))
		counts.Skipped++
		return nil
	}
	switch {
	case err == nil && rec.Status == billing.ReminderDelivered:
		counts.Delivered++
	case err == nil:
		counts.Undelivered++
		p.Log.Info("reminder not delivered", "account_id", rec.AccountID, "stage", rec.Stage, "reminder_id", rec.ID,
			"code", rec.ErrorCode, "description", r.Description)
	case errors.Is(err, billing.ErrNotFound):
		counts.Skipped++ // a sign-in code, a receipt: texts the proof does not keep
	case errors.Is(err, billing.ErrConflict), errors.Is(err, billing.ErrInvalid):
		// A loss reported after a delivery (or the other way round), or a report the proof cannot
		// hold (a serial number of another shape): staff look, the next reports go on.
		counts.Skipped++
		p.Log.Warn("delivery report not written", "message_id", logText(r.SerialNo), "status", r.ReportStatus, "err", err)
	default:
		return err
	}
	return nil
}

// undeliveredCode is the code a lost reminder is recorded with: the carrier's description when it
// is a short code of printable ASCII (MK:0001, UNDELIV), as the proof's column holds them, and FAIL
// (the report's status) for a sentence or none.
func undeliveredCode(description string) string {
	if description == "" || len(description) > store.MaxReminderErrorCode {
		return tencent.ReportFail
	}
	for i := 0; i < len(description); i++ {
		if c := description[i]; c <= ' ' || c > '~' {
			return tencent.ReportFail
		}
	}
	return description
}

// logText keeps a value from the gateway short in a log line.
func logText(s string) string {
	if len(s) <= 80 {
		return s
	}
	return strings.ToValidUTF8(s[:80], "") + "…"
}

// Run pulls every Every until ctx ends. A failing gateway or database is logged when the failure
// starts and when it ends, not at every tick.
func (p *SMSStatusPuller) Run(ctx context.Context) {
	tick := time.NewTicker(p.Every)
	defer tick.Stop()
	failing := false
	for {
		c, err := p.Tick(ctx)
		switch {
		case err != nil && !failing && ctx.Err() == nil:
			failing = true
			p.Log.Warn("SMS delivery reports not pulled; trying again every tick", "every", p.Every, "err", err)
		case err == nil && failing:
			failing = false
			p.Log.Info("SMS delivery reports pulled again")
		}
		if c != (StatusCounts{}) {
			p.Log.Info("SMS delivery reports written", "delivered", c.Delivered, "undelivered", c.Undelivered, "skipped", c.Skipped)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
