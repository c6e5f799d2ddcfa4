package worker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"gridpay/internal/billing"
)

// DefaultSchedulerKey is the Redis key of the scheduler's lease.
const DefaultSchedulerKey = "gridpay:scheduler:leader"

// Scheduler queues the daily arrears run from exactly one worker process at a time: the one that
// holds a lease in Redis, renewed on every check. When its process stops (or loses Redis for longer
// than the lease), another process takes the lease over at its next check. Every process runs one;
// the run's task id and its day's record make even two leaders for a moment run it once.
//
// It is gridpay's own loop rather than asynq's Scheduler, whose every instance enqueues: the lease
// makes one act, and the injected clock lets tests drive days.
type Scheduler struct {
	Redis    redis.UniversalClient
	Enqueuer *Enqueuer
	// RemindAt is the time of day (from midnight, bureau time) the arrears run starts; a leader that
	// comes up later in the day starts the day's run at once.
	RemindAt time.Duration
	Loc      *time.Location
	Now      func() time.Time
	Every    time.Duration // how often to check; 30 s when zero
	Lease    time.Duration // how long a lease outlives its last renewal; 3 x Every when zero
	Key      string        // the lease's key; DefaultSchedulerKey when empty
	ID       string        // this process's name in the lease; random when empty
	Log      *slog.Logger

	queued time.Time // the last day this process queued the run
}

func (s *Scheduler) defaults() {
	if s.Every <= 0 {
		s.Every = 30 * time.Second
	}
	if s.Lease <= 0 {
		s.Lease = 3 * s.Every
	}
	if s.Key == "" {
		s.Key = DefaultSchedulerKey
	}
	if s.ID == "" {
		var b [8]byte
		rand.Read(b[:])
		s.ID = hex.EncodeToString(b[:])
	}
	if s.Loc == nil {
		s.Loc = time.UTC
	}
}

// holdLease renews the lease if this process holds it, or takes it if no one does.
var holdLease = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
return 0`)

// dropLease gives the lease up if this process holds it.
var dropLease = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)

// Tick checks once: it holds or takes the lease, and the leader queues the day's arrears run once
// its time has come. It reports whether this process leads.
func (s *Scheduler) Tick(ctx context.Context) (leader bool, err error) {
	s.defaults()
	n, err := holdLease.Run(ctx, s.Redis, []string{s.Key}, s.ID, s.Lease.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("worker: scheduler lease: %w", err)
	}
	if n != 1 {
		return false, nil
	}
	now := s.Now().In(s.Loc)
	today := billing.DateOf(now)
	y, m, d := now.Date()
	if now.Before(time.Date(y, m, d, 0, 0, 0, 0, s.Loc).Add(s.RemindAt)) || s.queued.Equal(today) {
		return true, nil
	}
	t, err := NewRemindRunTask(today)
	if err != nil {
		return true, err
	}
	if err := s.Enqueuer.enqueue(ctx, t); err != nil {
		return true, err
	}
	s.queued = today
	s.Log.Info("arrears run queued", "day", today.Format(time.DateOnly), "scheduler", s.ID)
	return true, nil
}

// Run checks every Every until ctx ends, then gives the lease up so that another process takes
// over at once.
func (s *Scheduler) Run(ctx context.Context) {
	s.defaults()
	tick := time.NewTicker(s.Every)
	defer tick.Stop()
	for {
		if _, err := s.Tick(ctx); err != nil {
			s.Log.Warn("scheduler check failed", "err", err)
		}
		select {
		case <-ctx.Done():
			release, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			dropLease.Run(release, s.Redis, []string{s.Key}, s.ID)
			cancel()
			return
		case <-tick.C:
		}
	}
}
