package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gridpay/internal/app"
)

// TestAllReconcilesOnceListening: `gridpay all` (what `make run` starts) reconciles yesterday at
// start, and in dev the providers it asks for their statements are the sandboxes on its own
// listener, so the worker starts once the site listens: a new developer's first screen shows no
// "reconciliation failed".
func TestAllReconcilesOnceListening(t *testing.T) {
	e := withDBs(t, env{"GRIDPAY_ADDR": freeAddr(t)})
	ctx, cancel := context.WithCancel(context.Background())
	out, logs := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx, []string{"all"}, e.get, out, logs) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("gridpay all did not stop within 20 s")
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		s := logs.String()
		if strings.Contains(s, "reconciliation failed") {
			t.Fatalf("reconciliation at start failed:\n%s", s)
		}
		if strings.Contains(s, "msg=reconciled") {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no reconciliation within 30 s:\n%s", logs.String())
}
