package app_test

import (
	"context"
	"io"
	"testing"
	"time"

	"gridpay/internal/app"
	"gridpay/internal/storetest"
)

// BenchmarkSeedCommand2000SQLServer runs `gridpay seed --customers 2000` (24 months of history) into
// a fresh database on the SQL Server of GRIDPAY_TEST_MSSQL, migrated beforehand as an operator
// would: the figure to stay under is 15 s. Without GRIDPAY_TEST_MSSQL it is skipped.
func BenchmarkSeedCommand2000SQLServer(b *testing.B) {
	const customers = 2000
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dsn := storetest.SQLServer.NewDSN(b, "core")
		e := env{"GRIDPAY_CORE_DB": dsn, "GRIDPAY_PORTAL_DB": dsn}
		if err := app.Run(context.Background(), []string{"migrate"}, e.get, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		err := app.Run(context.Background(), []string{"seed", "--customers", "2000", "--months", "24", "--today", "2026-11-26"},
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
