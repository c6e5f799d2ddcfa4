package worker_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"gridpay/internal/redistest"
	"gridpay/worker"
)

// schedulers are two worker processes' schedulers on one Redis and one clock.
type schedulers struct {
	a, b      *worker.Scheduler
	inspector *asynq.Inspector
	mu        sync.Mutex
	now       time.Time
}

func newSchedulers(t *testing.T, lease time.Duration) *schedulers {
	t.Helper()
	url := redistest.URL(t, redistest.DBWorker)
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := asynq.ParseRedisURI(url)
	if err != nil {
		t.Fatal(err)
	}
	beijing := time.FixedZone("CST", 8*3600)
	s := &schedulers{inspector: asynq.NewInspector(conn), now: time.Date(2026, 11, 30, 7, 0, 0, 0, beijing)}
	t.Cleanup(func() { s.inspector.Close() })
	clock := func() time.Time { s.mu.Lock(); defer s.mu.Unlock(); return s.now }
	process := func(id string) *worker.Scheduler {
		rdb := redis.NewClient(opts)
		client := asynq.NewClient(conn)
		t.Cleanup(func() { rdb.Close(); client.Close() })
		return &worker.Scheduler{Redis: rdb, Enqueuer: worker.NewEnqueuer(client), RemindAt: 8*time.Hour + 30*time.Minute,
			Loc: beijing, Now: clock, Every: lease / 3, Lease: lease, ID: id, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	}
	s.a, s.b = process("worker-a"), process("worker-b")
	return s
}

func (s *schedulers) set(t time.Time) { s.mu.Lock(); s.now = t; s.mu.Unlock() }

// runs lists the remind:run tasks queued, in any state.
func (s *schedulers) runs(t *testing.T) []string {
	t.Helper()
	var ids []string
	for _, list := range []func(string, ...asynq.ListOption) ([]*asynq.TaskInfo, error){s.inspector.ListPendingTasks,
		s.inspector.ListCompletedTasks} {
		tasks, err := list(worker.QueueDefault)
		if errors.Is(err, asynq.ErrQueueNotFound) {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, ti := range tasks {
			if ti.Type == worker.TypeRemindRun {
				ids = append(ids, ti.ID)
			}
		}
	}
	return ids
}

func tick(t *testing.T, s *worker.Scheduler) bool {
	t.Helper()
	leader, err := s.Tick(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return leader
}

func TestOneOfTwoSchedulersQueuesTheDaysRun(t *testing.T) {
	s := newSchedulers(t, 3*time.Second)
	a, b := tick(t, s.a), tick(t, s.b)
	if a == b {
		t.Fatalf("leaders: a %v, b %v; want exactly one", a, b)
	}
	if runs := s.runs(t); len(runs) != 0 {
		t.Fatalf("at 07:00, before the run's time, queued %v", runs)
	}
	s.set(time.Date(2026, 11, 30, 8, 30, 0, 0, s.a.Loc))
	for range 3 {
		if tick(t, s.a) == tick(t, s.b) {
			t.Fatal("the lease changed hands while its holder renewed it")
		}
	}
	if runs := s.runs(t); len(runs) != 1 || runs[0] != worker.TypeRemindRun+":2026-11-30" {
		t.Fatalf("at 08:30 queued %v, want the run of 2026-11-30 once", runs)
	}
	// The next day, the run of that day, once more.
	s.set(time.Date(2026, 12, 1, 9, 0, 0, 0, s.a.Loc))
	tick(t, s.a)
	tick(t, s.b)
	if runs := s.runs(t); len(runs) != 2 {
		t.Fatalf("on the second day queued %v, want two runs in all", runs)
	}
}

func TestSchedulerLeaseMovesWhenItsHolderStops(t *testing.T) {
	s := newSchedulers(t, 600*time.Millisecond)
	if !tick(t, s.a) || tick(t, s.b) {
		t.Fatal("a should lead, b follow")
	}
	// a stops checking (its process died): once the lease runs out, b takes over and queues the day's run.
	s.set(time.Date(2026, 11, 30, 10, 0, 0, 0, s.a.Loc))
	deadline := time.Now().Add(5 * time.Second)
	for !tick(t, s.b) {
		if time.Now().After(deadline) {
			t.Fatal("b never took the lease over")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if runs := s.runs(t); len(runs) != 1 {
		t.Fatalf("queued %v, want the day's run once", runs)
	}
	if tick(t, s.a) {
		t.Error("a came back and took the lease from b, which holds it")
	}
	// a process that stops cleanly gives the lease up at once.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.b.Run(ctx); close(done) }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	<-done
	if !tick(t, s.a) {
		t.Error("b stopped, and a did not get the lease at once")
	}
	if runs := s.runs(t); len(runs) != 1 {
		t.Fatalf("after the lease moved, queued %v, want still one run of the day", runs)
	}
}
