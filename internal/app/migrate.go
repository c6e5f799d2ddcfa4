package app

import (
	"context"
	"log/slog"

	"gridpay/internal/config"
	"gridpay/internal/store"
)

// databases are the two databases of docs/design.md; they may be one and the same.
type databases struct {
	core, portal *store.DB
}

// openDatabases opens the core and portal databases, once when both DSNs are the same.
func openDatabases(ctx context.Context, cfg config.Config) (databases, error) {
	core, err := store.Open(ctx, cfg.CoreDB)
	if err != nil {
		return databases{}, err
	}
	if cfg.PortalDB == cfg.CoreDB {
		return databases{core: core, portal: core}, nil
	}
	portal, err := store.Open(ctx, cfg.PortalDB)
	if err != nil {
		core.Close()
		return databases{}, err
	}
	return databases{core: core, portal: portal}, nil
}

func (d databases) close() {
	d.core.Close()
	if d.portal != d.core {
		d.portal.Close()
	}
}

// namedDB is a database with the name /metrics gives it.
type namedDB struct {
	name string
	*store.DB
}

// named returns the databases by name: "core" and "portal", or one "core_portal" when both DSNs
// are the same database.
func (d databases) named() []namedDB {
	if d.portal == d.core {
		return []namedDB{{"core_portal", d.core}}
	}
	return []namedDB{{"core", d.core}, {"portal", d.portal}}
}

// migrate brings both schemas up to date.
func (d databases) migrate(ctx context.Context, log *slog.Logger) error {
	for _, m := range []struct {
		db     *store.DB
		schema store.Schema
	}{{d.core, store.CoreSchema}, {d.portal, store.PortalSchema}} {
		n, err := m.db.MigrateSchema(ctx, m.schema)
		if err != nil {
			return err
		}
		log.Info("database migrated", "schema", m.schema, "dialect", m.db.Dialect(), "applied", n)
	}
	return nil
}

func runMigrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	dbs, err := openDatabases(ctx, cfg)
	if err != nil {
		return err
	}
	defer dbs.close()
	return dbs.migrate(ctx, log)
}
