// Command gridpay is the online face of a county power supply company's marketing system. It parses
// nothing itself: app.Run does, so tests can run it too.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // the bureau's time zone must load on machines without a zoneinfo database

	"gridpay/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.Run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gridpay:", err)
		os.Exit(1)
	}
}
