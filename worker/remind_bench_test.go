package worker_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"gridpay/internal/billing"
	"gridpay/internal/demo"
	"gridpay/internal/redistest"
	"gridpay/internal/store"
	"gridpay/internal/storetest"
	"gridpay/worker"
)

// BenchmarkArrearsRun100k times the arrears run over a county of 100,000 accounts (SQLite, the real
// Redis): scan the accounts in reach in batches, decide each on the ladder and queue its
// notify:remind task, beside a bare asynq enqueue of as many tasks with ids in the same run, one
// after another and eight at a time (as the run queues them). The target: at most 2x the bare enqueue and under 10 s. Seeding the county (3 months
// of history) is outside the timing.
func BenchmarkArrearsRun100k(b *testing.B) {
	const customers = 100_000
	ctx := context.Background()
	day := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	coreDSN := storetest.SQLite.NewDSN(b, "core")
	db, err := store.Open(ctx, coreDSN)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.MigrateSchema(ctx, store.CoreSchema); err != nil {
		b.Fatal(err)
	}
	if _, err := demo.Seed(ctx, db, demo.Options{Seed: 7, Customers: customers, Months: 3, Today: day}); err != nil {
		b.Fatal(err)
	}
	beijing := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 11, 26, 8, 30, 0, 0, beijing)
	core := store.NewCore(db, billing.DefaultLateFeeRates(), func() time.Time { return now })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	url := redistest.URL(b, redistest.DBWorker)
	conn, err := asynq.ParseRedisURI(url)
	if err != nil {
		b.Fatal(err)
	}
	opts, _ := redis.ParseURL(url)
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	client := asynq.NewClient(conn)
	defer client.Close()

	var run, bare, bare8 time.Duration
	var counts store.RunCounts
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		pdb, err := store.Open(ctx, storetest.SQLite.NewDSN(b, fmt.Sprintf("portal%d", i)))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := pdb.MigrateSchema(ctx, store.PortalSchema); err != nil {
			b.Fatal(err)
		}
		rdb.FlushDB(ctx)
		r := &worker.Reminders{Core: core, Portal: store.NewPortal(pdb, func() time.Time { return now }),
			Policy: billing.DefaultReminderPolicy(beijing), Enqueuer: worker.NewEnqueuer(client),
			Now: func() time.Time { return now }, Log: log}
		b.StartTimer()
		start := time.Now()
		done, err := r.Run(ctx, day)
		run += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		counts = done.Counts

		b.StopTimer()
		rdb.FlushDB(ctx)
		b.StartTimer()
		start = time.Now()
		for n := range counts.Enqueued {
			t := asynq.NewTask("bench:bare", []byte(`{"n":1}`), asynq.TaskID(fmt.Sprintf("bench:%d", n)), asynq.Queue("bench"))
			if _, err := client.EnqueueContext(ctx, t); err != nil {
				b.Fatal(err)
			}
		}
		bare += time.Since(start)

		// The same, eight at a time, as the run queues them.
		b.StopTimer()
		rdb.FlushDB(ctx)
		b.StartTimer()
		start = time.Now()
		var wg sync.WaitGroup
		for w := range int64(8) {
			wg.Go(func() {
				for n := w; n < counts.Enqueued; n += 8 {
					t := asynq.NewTask("bench:bare", []byte(`{"n":1}`), asynq.TaskID(fmt.Sprintf("bench:%d", n)), asynq.Queue("bench"))
					if _, err := client.EnqueueContext(ctx, t); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		bare8 += time.Since(start)
		b.StopTimer()
		pdb.Close()
		b.StartTimer()
	}
	b.ReportMetric(run.Seconds()/float64(b.N), "s/run")
	b.ReportMetric(bare.Seconds()/float64(b.N), "s/bare-enqueue")
	b.ReportMetric(run.Seconds()/bare.Seconds(), "run/bare")
	b.ReportMetric(bare8.Seconds()/float64(b.N), "s/bare-enqueue-8")
	b.ReportMetric(run.Seconds()/bare8.Seconds(), "run/bare-8")
	b.ReportMetric(float64(counts.Scanned), "accounts-in-reach")
	b.ReportMetric(float64(counts.Enqueued), "tasks")
	b.Logf("arrears run over %d accounts: %d in reach, %d due, %d queued, %d held back; run %.2f s; bare enqueue of %d tasks "+
		"%.2f s one at a time (%.2fx), %.2f s eight at a time as the run does (%.2fx)",
		customers, counts.Scanned, counts.Due, counts.Enqueued, counts.SuppressedTotal(), run.Seconds()/float64(b.N),
		counts.Enqueued, bare.Seconds()/float64(b.N), run.Seconds()/bare.Seconds(), bare8.Seconds()/float64(b.N),
		run.Seconds()/bare8.Seconds())
}
