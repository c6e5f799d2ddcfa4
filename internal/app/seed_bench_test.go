package app_test

import (
	"context"
	"io"
	"testing"
	"time"

	"gridpay/internal/app"
)

// BenchmarkSeedCommand100k runs `gridpay seed --customers 100000` (24 months of history) into a fresh
// SQLite file per iteration: the figure the foundation issue asks for, under 60 s. About a minute.
func BenchmarkSeedCommand100k(b *testing.B) {
	const customers = 100_000
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		e := withDBs(b, env{})
		start := time.Now()
		err := app.Run(context.Background(), []string{"seed", "--customers", "100000", "--months", "24", "--today", "2026-11-26"},
			e.get, io.Discard, io.Discard)
		elapsed += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
	}
	seconds := elapsed.Seconds() / float64(b.N)
	b.ReportMetric(seconds, "s/seed")
	b.ReportMetric(customers/seconds, "customers/s")
}
