package main

import (
	"bytes"
	"strings"
	"testing"
)

const sample = `goos: linux
pkg: gridpay/internal/app
BenchmarkPortal/bare_gin-2         	  200000	      4000 ns/op	     20000 req/s	         4.50 p99-ms
BenchmarkPortal/bare_render-2      	  100000	      8000 ns/op	      8000 req/s	         9.00 p99-ms
BenchmarkPortal/bill_page-2        	   50000	     20000 ns/op	         0 core-reads/op	         0.002 db-statements/op	      5000 req/s	        12.0 p99-ms
BenchmarkPortal/summary_api-2      	   50000	     20000 ns/op	         0.5 db-statements/op	      4000 req/s	        30.0 p99-ms
PASS
pkg: gridpay/payments
BenchmarkCallbacks/wechat_callback-2     	   10000	    100000 ns/op	      4500 callbacks/s
BenchmarkCallbacks/bare_sqlite_tx-2      	   10000	    100000 ns/op	     15000 tx/s
BenchmarkSeedCommand100k-2 	       1	19000000000 ns/op	        19.00 s/seed	      5263 customers/s
ok  	gridpay/payments	12.0s
`

func TestTableFromARun(t *testing.T) {
	var out bytes.Buffer
	if err := run(nil, strings.NewReader(sample), &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"| signed-in bill page, 50 connections | 5,000 req/s, 12.0 p99-ms | 20,000 req/s (Portal/bare_gin) | 0.25x | >= 0.15x bare gin JSON, p99 <= 20 ms | yes |",
		"| signed-in bill page beside the same page rendered from memory | 5,000 req/s | 8,000 req/s (Portal/bare_render) | 0.625x | >= 0.5x | yes |",
		"| summary API, 50 connections | 4,000 req/s, 30.0 p99-ms | 20,000 req/s (Portal/bare_gin) | 0.2x | >= 0.25x bare gin JSON | **no** |",
		"| database statements per warm bill page view (core and portal) | 0.002 db-statements/op | — | — | <= 0.01 | yes |",
		"| database statements per warm summary API call (core and portal) | 0.5 db-statements/op | — | — | <= 0.01 | **no** |",
		"| WeChat callbacks (verify, decrypt, one transaction, enqueue), SQLite | 4,500 callbacks/s | 15,000 tx/s (Callbacks/bare_sqlite_tx) | 0.3x | >= 5,000/s and >= 0.25x bare single-row transactions | **no** |",
		"| gridpay seed --customers 100000 (24 months) | 19.0 s/seed | — | — | <= 20 s | yes |",
		"| payments posted into the core database, SQLite | not measured (PaymentPost/payment_post posts/s)",
		"figure(s) not measured in this run",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks\n%s\nin\n%s", want, got)
		}
	}
}

func TestFailedRunFails(t *testing.T) {
	var out bytes.Buffer
	err := run(nil, strings.NewReader(sample+"--- FAIL: BenchmarkPaymentPost\nFAIL\tgridpay/worker\t3.0s\n"), &out)
	if err == nil {
		t.Fatal("a failed run gave no error")
	}
	if !strings.Contains(out.String(), "| signed-in bill page, 50 connections |") {
		t.Error("the table of what was measured is not printed")
	}
}
