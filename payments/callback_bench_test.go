package payments_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"gridpay/internal/redistest"
	"gridpay/internal/store"
	"gridpay/internal/storetest"
	"gridpay/payments/sandbox"
)

// callbacksInFlight is how many callbacks the benchmark keeps in flight: providers call back
// concurrently.
const callbacksInFlight = 8

// BenchmarkCallbacks measures WeChat Pay callbacks taken through real HTTP on loopback: signature
// verification, AES-GCM decryption, the one transaction (callback kept, order PAID, outbox row) and
// the payment:post enqueue, with 8 callbacks in flight. Beside it, in the same run, the raw parts:
// a bare single-row transaction and a bare asynq enqueue. The _sqlserver variants run the same on
// the SQL Server engine of GRIDPAY_TEST_MSSQL, when it is set. make bench runs it.
func BenchmarkCallbacks(b *testing.B) {
	r := newCallbackRigOn(b, storetest.SQLite)
	var ms *callbackRig
	if os.Getenv(storetest.MSSQLEnv) != "" {
		ms = newCallbackRigOn(b, storetest.SQLServer)
	}
	accounts := 0

	b.Run("wechat_callback", func(b *testing.B) { benchCallbacks(b, r, &accounts) })
	b.Run("bare_sqlite_tx", func(b *testing.B) { benchBareTx(b, storetest.SQLite) })
	b.Run("wechat_callback_sqlserver", func(b *testing.B) {
		if ms == nil {
			b.Skipf("%s is not set: no SQL Server to measure", storetest.MSSQLEnv)
		}
		benchCallbacks(b, ms, &accounts)
	})
	b.Run("bare_sqlserver_tx", func(b *testing.B) {
		if ms == nil {
			b.Skipf("%s is not set: no SQL Server to measure", storetest.MSSQLEnv)
		}
		benchBareTx(b, storetest.SQLServer)
	})

	b.Run("bare_asynq_enqueue", func(b *testing.B) {
		opt, _ := asynq.ParseRedisURI(redistest.URL(b, redistest.DBPayments))
		client := asynq.NewClient(opt)
		defer client.Close()
		b.ResetTimer()
		start := time.Now()
		for i := 0; i < b.N; i++ {
			if _, err := client.Enqueue(asynq.NewTask("bench:noop", nil), asynq.TaskID(fmt.Sprint("bench-", i))); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "enqueues/s")
	})
}

// benchCallbacks sends b.N paid callbacks of orders of their own to r's server, callbacksInFlight
// at a time, and reports callbacks/s. accounts numbers the accounts used so far.
func benchCallbacks(b *testing.B, r *callbackRig, accounts *int) {
	type cb struct {
		h    http.Header
		body []byte
	}
	calls := make([]cb, b.N)
	for i := range calls {
		*accounts++ // one open order per account and channel: each callback pays its own account
		o := r.orderB(b, fmt.Sprintf("32%08d", *accounts), 100)
		if err := r.sim.Pay(o.OutTradeNo, sandbox.WeChatNoCallback()); err != nil {
			b.Fatal(err)
		}
		h, body, err := r.sim.Callback(o.OutTradeNo)
		if err != nil {
			b.Fatal(err)
		}
		calls[i] = cb{h, body}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * callbacksInFlight}}
	next := make(chan cb)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range callbacksInFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				req, _ := http.NewRequest(http.MethodPost, r.url+"/callbacks/wechat", bytes.NewReader(c.body))
				req.Header = c.h.Clone()
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusNoContent {
					b.Errorf("callback answered %d", resp.StatusCode)
				}
			}
		}()
	}
	for _, c := range calls {
		next <- c
	}
	close(next)
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "callbacks/s")
}

// benchBareTx runs b.N transactions of one single-row INSERT, one after another, on a new database
// of dialect d, and reports tx/s.
func benchBareTx(b *testing.B, d storetest.Dialect) {
	ctx := context.Background()
	db, err := store.Open(ctx, d.NewDSN(b, "bare"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	table := `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`
	if d.Name == "sqlserver" {
		table = `CREATE TABLE t (id INT IDENTITY PRIMARY KEY, v NVARCHAR(40) NOT NULL)`
	}
	if _, err := db.ExecContext(ctx, table); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if err := db.Transact(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO t (v) VALUES (@v)`, sql.Named("v", fmt.Sprint(i)))
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "tx/s")
}
