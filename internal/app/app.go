// Package app is gridpay's one composition root: it reads the configuration, opens the databases and
// Redis, builds the services and runs the subcommand asked for.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"gridpay/internal/config"
)

const usage = `gridpay: the online face of a county power supply company's marketing system

Usage:
  gridpay all       web, workers and scheduler in one process (what make run starts)
  gridpay serve     the web tier: portal, admin, payment callbacks
  gridpay worker    task workers (posting payments, sending reminders), the scheduler of the daily
                    arrears run and the outbox sweeper; needs GRIDPAY_REDIS_URL
  gridpay migrate   bring the core database schema up to date
  gridpay seed      fill an empty core database with the demo county (gridpay seed -h)
  gridpay remind    run today's arrears run now [--date YYYY-MM-DD] [--dry-run] (gridpay remind -h)
  gridpay admin     staff accounts: create-user --username U --role R [--station N] [--name NAME]
                    prints a one-time password (gridpay admin -h)

Configuration comes from GRIDPAY_* environment variables; see README.md.
`

// Run runs the subcommand in args with the environment getenv, writing to stdout and stderr. It
// returns when the command is done or, for servers, when ctx is cancelled and shutdown completes.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return errors.New("no subcommand given")
		}
		return nil
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	switch args[0] {
	case "all":
		return runServer(ctx, cfg, log, stdout, true)
	case "serve":
		return runServer(ctx, cfg, log, stdout, false)
	case "worker":
		return runWorker(ctx, cfg, log)
	case "migrate":
		return runMigrate(ctx, cfg, log)
	case "seed":
		return runSeed(ctx, cfg, log, args[1:], stdout, stderr)
	case "remind":
		return runRemind(ctx, cfg, log, args[1:], stdout, stderr)
	case "admin":
		return runAdmin(ctx, cfg, log, args[1:], stdout, stderr)
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown subcommand %q", args[0])
	}
}

// newLogger logs JSON in production and text in dev.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.Production() {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// today returns the bureau's civil date now.
func today(cfg config.Config) time.Time {
	return time.Now().In(cfg.Location)
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}
