// Package worker holds gridpay's asynq task types, their payloads, constructors and handlers, and
// the periodic jobs (the outbox sweeper). Tasks carry only ids: the database is the truth.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
)

// Queues, by weight: payments first, then messages, then the rest.
const (
	QueuePayments = "payments"
	QueueNotify   = "notify"
	QueueDefault  = "default"
)

// Queues maps each queue to its weight for asynq.Config.
var Queues = map[string]int{QueuePayments: 6, QueueNotify: 3, QueueDefault: 1}

// Enqueuer puts tasks on the asynq queues. A task whose id is already queued counts as enqueued:
// task ids make enqueueing idempotent.
type Enqueuer struct {
	client *asynq.Client
}

// NewEnqueuer returns an enqueuer over client.
func NewEnqueuer(client *asynq.Client) *Enqueuer { return &Enqueuer{client: client} }

// EnqueuePaymentPost queues the posting of a paid order, named by the order (TaskID) so that a
// callback, its retries and the outbox sweeper queue it once.
func (e *Enqueuer) EnqueuePaymentPost(ctx context.Context, orderID, outboxID int64) error {
	t, err := NewPaymentPostTask(orderID, outboxID)
	if err != nil {
		return err
	}
	return e.enqueue(ctx, t)
}

func (e *Enqueuer) enqueue(ctx context.Context, t *asynq.Task) error {
	_, err := e.client.EnqueueContext(ctx, t)
	if errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("worker: enqueue %s: %w", t.Type(), err)
	}
	return nil
}

// Server runs the task handlers until ctx ends.
type Server struct {
	srv *asynq.Server
	mux *asynq.ServeMux
	log *slog.Logger
}

// NewServer returns a server on redis with the given concurrency and gridpay's queues.
func NewServer(redis asynq.RedisConnOpt, concurrency int, log *slog.Logger) *Server {
	srv := asynq.NewServer(redis, asynq.Config{
		Concurrency:     concurrency,
		Queues:          Queues,
		StrictPriority:  false,
		ShutdownTimeout: 20 * time.Second,
		Logger:          asynqLogger{log},
		// Growing waits: a core database outage is waited out, never turned into a lost payment.
		RetryDelayFunc: func(n int, err error, t *asynq.Task) time.Duration {
			return min(time.Duration(1<<min(n, 10))*time.Second, 10*time.Minute)
		},
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			log.Warn("task failed", "type", t.Type(), "err", err)
		}),
	})
	return &Server{srv: srv, mux: asynq.NewServeMux(), log: log}
}

// Handle registers a handler for a task type.
func (s *Server) Handle(taskType string, h asynq.Handler) { s.mux.Handle(taskType, h) }

// Run processes tasks until ctx ends, then lets running tasks finish.
func (s *Server) Run(ctx context.Context) error {
	if err := s.srv.Start(s.mux); err != nil {
		return fmt.Errorf("worker: start: %w", err)
	}
	<-ctx.Done()
	s.srv.Shutdown()
	return nil
}

// asynqLogger sends asynq's own log lines to slog.
type asynqLogger struct{ log *slog.Logger }

func (l asynqLogger) Debug(args ...any) { l.log.Debug(fmt.Sprint(args...), "component", "asynq") }
func (l asynqLogger) Info(args ...any)  { l.log.Info(fmt.Sprint(args...), "component", "asynq") }
func (l asynqLogger) Warn(args ...any)  { l.log.Warn(fmt.Sprint(args...), "component", "asynq") }
func (l asynqLogger) Error(args ...any) { l.log.Error(fmt.Sprint(args...), "component", "asynq") }
func (l asynqLogger) Fatal(args ...any) {
	l.log.Error(fmt.Sprint(args...), "component", "asynq", "fatal", true)
}
