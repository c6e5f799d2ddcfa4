package app

import (
	"context"
	"log/slog"

	"gridpay/internal/config"
	"gridpay/internal/store"
)

func runMigrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	db, err := store.Open(ctx, cfg.CoreDB)
	if err != nil {
		return err
	}
	defer db.Close()
	return migrate(ctx, db, log)
}

func migrate(ctx context.Context, db *store.DB, log *slog.Logger) error {
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	log.Info("core database migrated", "dialect", db.Dialect(), "applied", n)
	return nil
}
