package worker_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
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
// same run. payment_post_sqlserver and bare_sqlserver_tx do the same on the SQL Server engine of
// GRIDPAY_TEST_MSSQL, when it is set. make bench runs it.
func BenchmarkPaymentPost(b *testing.B) {
	r := newRig(b, storetest.SQLite)
	var ms *rig
	if os.Getenv(storetest.MSSQLEnv) != "" {
		ms = newRig(b, storetest.SQLServer)
	}
	b.Run("payment_post", func(b *testing.B) { benchPosting(b, r) })
	b.Run("bare_sqlite_tx", func(b *testing.B) { benchBareTx(b, r) })
	b.Run("payment_post_sqlserver", func(b *testing.B) {
		if ms == nil {
			b.Skipf("%s is not set: no SQL Server to measure", storetest.MSSQLEnv)
		}
		benchPosting(b, ms)
	})
	b.Run("bare_sqlserver_tx", func(b *testing.B) {
		if ms == nil {
			b.Skipf("%s is not set: no SQL Server to measure", storetest.MSSQLEnv)
		}
		benchBareTx(b, ms)
	})
}

// benchBareTx runs b.N transactions of one single-row INSERT, one after another, on r's core
// database, and reports tx/s.
func benchBareTx(b *testing.B, r *rig) {
	ctx := context.Background()
	table := `CREATE TABLE bench_scratch (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`
	if r.core.Dialect() == "sqlserver" {
		table = `CREATE TABLE bench_scratch (id INT IDENTITY PRIMARY KEY, v NVARCHAR(40) NOT NULL)`
	}
	if _, err := r.core.ExecContext(ctx, table); err != nil && !strings.Contains(err.Error(), "already") {
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
}

// benchPosting posts b.N paid orders of five accounts through r's poster, as many at once as a
// worker runs tasks, and reports posts/s.
func benchPosting(b *testing.B, r *rig) {
	ctx := context.Background()
	accounts := []string{"3100000001", "3100000002", "3100000003", "3100000004", "3100000005"}
	// One posting before the clock starts: the first on a fresh database opens its connections and
	// prepares its statements, which a figure of postings per second is not about (on the SQL
	// Server engine it took a second, and the benchmark stopped at it).
	warm := r.paidOrder(b, accounts[0], 100)
	if t, err := worker.NewPaymentPostTask(warm.Order.ID, warm.OutboxID); err != nil {
		b.Fatal(err)
	} else if err := r.poster.ProcessTask(ctx, t); err != nil {
		b.Fatal(err)
	}
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
}
