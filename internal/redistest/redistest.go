// Package redistest gives tests the real Redis of the machine they run on, each test package on its
// own database number so that packages running in parallel never see each other's keys.
package redistest

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Database numbers by test package; add a line when a new package needs Redis.
const (
	DBApp       = 1 // internal/app
	DBNotify    = 2 // notify
	DBPortal    = 3 // portal
	DBCoreCache = 4 // internal/corecache
	DBWorker    = 5 // worker
	DBPayments  = 6 // payments
	DBAdmin     = 7 // portal/admin
	DBWeb       = 9 // internal/web
)

// Addr is the Redis the tests use: GRIDPAY_TEST_REDIS_ADDR, default 127.0.0.1:6379.
func Addr() string {
	if a := os.Getenv("GRIDPAY_TEST_REDIS_ADDR"); a != "" {
		return a
	}
	return "127.0.0.1:6379"
}

// URL returns a redis:// URL for database db of the test Redis after emptying that database, and
// empties it again when the test ends. Without a reachable Redis the test fails (in CI and here
// alike): start one with the command in README.md.
func URL(t testing.TB, db int) string {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: Addr(), DB: db})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		rdb.Close()
		t.Fatalf("redistest: no Redis at %s (%v); start one: redis-server --daemonize yes --port 6379 --save '' --appendonly no", Addr(), err)
	}
	t.Cleanup(func() {
		rdb.FlushDB(context.Background())
		rdb.Close()
	})
	return fmt.Sprintf("redis://%s/%d", Addr(), db)
}
