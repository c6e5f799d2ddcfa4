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

// Schema names a set of migrations: the core marketing database or the portal database. Each keeps
// its own version table (goose's default one for the core, goose_portal_version for the portal), so
// both may live in one database.
type Schema string

// The two schemas.
const (
	CoreSchema   Schema = "core"
	PortalSchema Schema = "portal"
)

// Migrate brings the core schema up to date; see MigrateSchema.
func (db *DB) Migrate(ctx context.Context) (int, error) { return db.MigrateSchema(ctx, CoreSchema) }

// MigrateSchema brings a schema up to the newest embedded migration of the database's dialect and
// returns how many migrations it applied.
func (db *DB) MigrateSchema(ctx context.Context, s Schema) (int, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(s)+"/"+db.dialect.name)
	if err != nil {
		return 0, fmt.Errorf("store: migrate %s: %w", s, err)
	}
	gd := goose.DialectSQLite3
	if db.dialect.name == "sqlserver" {
		gd = goose.DialectMSSQL
	}
	var opts []goose.ProviderOption
	if s != CoreSchema {
		opts = append(opts, goose.WithTableName("goose_"+string(s)+"_version"))
	}
	p, err := goose.NewProvider(gd, db.DB, sub, opts...)
	if err != nil {
		return 0, fmt.Errorf("store: migrate %s: %w", s, err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return len(results), fmt.Errorf("store: migrate %s: %w", s, err)
	}
	return len(results), nil
}
