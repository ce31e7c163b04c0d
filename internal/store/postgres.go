package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

//go:embed migrations/postgres/*.sql
var postgresMigrations embed.FS

var postgresDialect = &dialect{
	name:    "postgres",
	dollar:  true,
	timeArg: func(t time.Time) any { return t },
	isForeignKey: func(err error) bool {
		var e *pgconn.PgError
		return errors.As(err, &e) && e.Code == "23503" // foreign_key_violation
	},
}

// postgresConns caps the connections to the server: a campaign runs
// hundreds of audits at once, and a server accepts about a hundred
// connections by default.
const postgresConns = 8

// migrationLock is the key of the advisory lock that serialises the
// migrations of concurrent vigie processes ("vigie" in ASCII).
const migrationLock = `SELECT pg_advisory_xact_lock(1986618725)`

// OpenPostgres connects to the PostgreSQL database at url and migrates it.
// A saved audit is durable as the server's synchronous_commit setting
// makes it (with the default, on, when SaveAudit returns).
func OpenPostgres(ctx context.Context, url string) (Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	db.SetMaxOpenConns(postgresConns)
	db.SetMaxIdleConns(postgresConns)
	ms, err := loadMigrations(postgresMigrations, "migrations/postgres")
	if err == nil {
		err = migrate(ctx, db, ms, migrationLock)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	return &sqlStore{d: postgresDialect, r: db, w: db}, nil
}
