package store

import (
	"context"
	"database/sql"
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
	p, err := db.migrations(s)
	if err != nil {
		return 0, fmt.Errorf("store: migrate %s: %w", s, err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return len(results), fmt.Errorf("store: migrate %s: %w", s, err)
	}
	return len(results), nil
}

// SchemaPending reports whether a schema lacks embedded migrations of the database's dialect,
// changing nothing: production commands that must not migrate on their own check it first.
func (db *DB) SchemaPending(ctx context.Context, s Schema) (bool, error) {
	// goose creates its version table when asked about versions; a schema without one has every
	// migration pending, and asking must not make it.
	var exists int
	if err := db.QueryRowContext(ctx, db.dialect.tableExists, sql.Named("name", versionTable(s))).Scan(&exists); err != nil {
		return false, fmt.Errorf("store: schema %s: %w", s, err)
	}
	if exists == 0 {
		return true, nil
	}
	p, err := db.migrations(s)
	if err != nil {
		return false, fmt.Errorf("store: schema %s: %w", s, err)
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return false, fmt.Errorf("store: schema %s: %w", s, err)
	}
	return pending, nil
}

// migrations returns the goose provider of a schema's migrations in the database's dialect.
func (db *DB) migrations(s Schema) (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(s)+"/"+db.dialect.name)
	if err != nil {
		return nil, err
	}
	gd := goose.DialectSQLite3
	if db.dialect.name == "sqlserver" {
		gd = goose.DialectMSSQL
	}
	return goose.NewProvider(gd, db.DB, sub, goose.WithTableName(versionTable(s)))
}

// versionTable names the table where goose keeps a schema's applied migrations: goose's default
// for the core schema, which had it first.
func versionTable(s Schema) string {
	if s == CoreSchema {
		return goose.DefaultTablename
	}
	return "goose_" + string(s) + "_version"
}
