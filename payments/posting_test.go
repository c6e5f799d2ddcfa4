package payments_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/hibiken/asynq"

	"gridpay/internal/redistest"
	"gridpay/payments"
	"gridpay/worker"
)

// TestQueuePosting queues payment:post on a real Redis, and on a Redis that is not there: the
// committed outbox row is the sweeper's to queue again, so the failure is logged and returned, and
// a caller without a log (the sweeper) reports it itself.
func TestQueuePosting(t *testing.T) {
	opt, err := asynq.ParseRedisURI(redistest.URL(t, redistest.DBPayments))
	if err != nil {
		t.Fatal(err)
	}
	up := asynq.NewClient(opt)
	defer up.Close()
	inspector := asynq.NewInspector(opt)
	defer inspector.Close()
	// A port nothing listens on: the listener is closed before the client dials.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := l.Addr().String()
	l.Close()
	down := asynq.NewClient(asynq.RedisClientOpt{Addr: deadAddr})
	defer down.Close()

	for _, tc := range []struct {
		name              string
		client            *asynq.Client
		withLog           bool
		orderID, outboxID int64
		wantErr, queued   bool
		wantLog           string
	}{
		{"queued", up, true, 41, 7, false, true, ""},
		{"queued again under the same task id", up, true, 41, 7, false, true, ""},
		{"nothing written, nothing queued", up, true, 42, 0, false, false, ""},
		{"Redis away: logged and returned", down, true, 43, 8, true, false, "order_id=43 outbox_id=8"},
		{"Redis away, no log: returned only", down, false, 44, 9, true, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logged bytes.Buffer
			var log *slog.Logger
			if tc.withLog {
				log = slog.New(slog.NewTextHandler(&logged, nil))
			}
			err := payments.QueuePosting(context.Background(), worker.NewEnqueuer(tc.client), log, tc.orderID, tc.outboxID)
			if (err != nil) != tc.wantErr {
				t.Fatalf("QueuePosting = %v, want error: %v", err, tc.wantErr)
			}
			_, ierr := inspector.GetTaskInfo(worker.QueuePayments, "payment:post:"+strconv.FormatInt(tc.orderID, 10))
			if queued := ierr == nil; queued != tc.queued {
				t.Errorf("task of order %d queued: %v (%v), want %v", tc.orderID, queued, ierr, tc.queued)
			} else if !queued && !errors.Is(ierr, asynq.ErrTaskNotFound) && !errors.Is(ierr, asynq.ErrQueueNotFound) {
				t.Errorf("GetTaskInfo = %v", ierr)
			}
			if tc.wantLog == "" && logged.Len() > 0 {
				t.Errorf("logged %q, want nothing", logged.String())
			}
			if tc.wantLog != "" && (!strings.Contains(logged.String(), "level=WARN") || !strings.Contains(logged.String(), tc.wantLog) ||
				!strings.Contains(logged.String(), "outbox sweeper")) {
				t.Errorf("logged %q, want a warning with %q that the outbox sweeper will queue it", logged.String(), tc.wantLog)
			}
		})
	}
}
