package payments_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"gridpay/internal/redistest"
	"gridpay/internal/store"
	"gridpay/internal/storetest"
	"gridpay/payments/sandbox"
)

// BenchmarkCallbacks measures WeChat Pay callbacks taken through real HTTP on loopback: signature
// verification, AES-GCM decryption, the one transaction (callback kept, order PAID, outbox row) and
// the payment:post enqueue, with 8 callbacks in flight. Beside it, in the same run, the raw parts:
// a bare SQLite transaction and a bare asynq enqueue. make bench runs it.
func BenchmarkCallbacks(b *testing.B) {
	r := newCallbackRigOn(b, storetest.SQLite)
	ctx := context.Background()
	accounts := 0

	b.Run("wechat_callback", func(b *testing.B) {
		type cb struct {
			h    http.Header
			body []byte
		}
		calls := make([]cb, b.N)
		for i := range calls {
			accounts++ // one open order per account and channel: each callback pays its own account
			o := r.orderB(b, fmt.Sprintf("32%08d", accounts), 100)
			if err := r.sim.Pay(o.OutTradeNo, sandbox.WeChatNoCallback()); err != nil {
				b.Fatal(err)
			}
			h, body, err := r.sim.Callback(o.OutTradeNo)
			if err != nil {
				b.Fatal(err)
			}
			calls[i] = cb{h, body}
		}
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
		next := make(chan cb)
		var wg sync.WaitGroup
		b.ResetTimer()
		start := time.Now()
		for range 8 {
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
	})

	b.Run("bare_sqlite_tx", func(b *testing.B) {
		db, err := store.Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "bare.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
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
