package worker_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"gridpay/internal/config"
	"gridpay/internal/storetest"
	"gridpay/worker"
)

// BenchmarkPaymentPost measures payments posted into the core database by the payment:post handler
// (order read, allocation over open bills, receipt and allocations written, order POSTED, outbox
// acknowledged, cache invalidated, receipt text sent), as many at once as a worker runs tasks
// (config.DefaultWorkerConcurrency), beside a bare SQLite transaction on the same database in the
// same run. make bench runs it.
func BenchmarkPaymentPost(b *testing.B) {
	r := newRig(b, storetest.SQLite)
	ctx := context.Background()
	accounts := []string{"3100000001", "3100000002", "3100000003", "3100000004", "3100000005"}
	b.Run("payment_post", func(b *testing.B) {
		tasks := make([]*asynq.Task, b.N)
		for i := range tasks {
			res := r.paidOrder(b, accounts[i%len(accounts)], 100)
			t, err := worker.NewPaymentPostTask(res.Order.ID, res.OutboxID)
			if err != nil {
				b.Fatal(err)
			}
			tasks[i] = t
		}
		next := make(chan *asynq.Task)
		var wg sync.WaitGroup
		b.ResetTimer()
		start := time.Now()
		for range config.DefaultWorkerConcurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for t := range next {
					if err := r.poster.ProcessTask(ctx, t); err != nil {
						b.Error(err)
					}
				}
			}()
		}
		for _, t := range tasks {
			next <- t
		}
		close(next)
		wg.Wait()
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "posts/s")
	})
	b.Run("bare_sqlite_tx", func(b *testing.B) {
		if _, err := r.core.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS bench_scratch (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		start := time.Now()
		for i := 0; i < b.N; i++ {
			if err := r.core.Transact(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO bench_scratch (v) VALUES (@v)`, sql.Named("v", fmt.Sprint(i)))
				return err
			}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "tx/s")
	})
}
