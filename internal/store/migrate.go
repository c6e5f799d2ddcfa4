package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed migrations
var migrations embed.FS

// Migrate brings the core schema up to the newest embedded migration of the database's dialect and
// returns how many migrations it applied.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	sub, err := fs.Sub(migrations, "migrations/"+db.dialect.name)
	if err != nil {
		return 0, fmt.Errorf("store: migrate: %w", err)
	}
	gd := goose.DialectSQLite3
	if db.dialect.name == "sqlserver" {
		gd = goose.DialectMSSQL
	}
	p, err := goose.NewProvider(gd, db.DB, sub)
	if err != nil {
		return 0, fmt.Errorf("store: migrate: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return len(results), fmt.Errorf("store: migrate: %w", err)
	}
	return len(results), nil
}
