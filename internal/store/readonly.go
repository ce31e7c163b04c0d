package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
)

// readSchema is the oldest schema version whose tables and columns the
// read methods use: OpenReadOnly reads a database migrated that far
// without migrating it, and refuses an older one. Raise it when a read
// query comes to use what a newer migration adds (TestReadOnlySchemas
// fails until it is). 3: the per-campaign organisations; 4: the
// campaigns' abandoned_at (their status) and the audits' attempts.
const readSchema = 4

// SchemaError is returned by OpenReadOnly for a database it will not read
// as it is: one whose schema is older than the read methods need (a
// writable command migrates it), or newer than this vigie knows.
type SchemaError struct {
	// Version is the database's schema version; 0 for a database with
	// no vigie schema at all.
	Version int
	// Known is the newest version this vigie knows, Oldest the oldest it
	// reads without migrating.
	Known, Oldest int
}

// Newer reports whether the database comes from a newer vigie.
func (e *SchemaError) Newer() bool { return e.Version > e.Known }

func (e *SchemaError) Error() string {
	switch {
	case e.Newer():
		return fmt.Sprintf("store: database schema is version %d, newer than this vigie knows (%d): upgrade vigie", e.Version, e.Known)
	case e.Version == 0:
		return "store: no vigie schema in the database (not a vigie database, or never migrated)"
	}
	return fmt.Sprintf("store: database schema is version %d, older than version %d that reading needs: a command that writes (vigie campaign resume) migrates it", e.Version, e.Oldest)
}

// OpenReadOnly opens the store named by dsn for reading, and never
// writes to it: no migration, no journal mode change, no checkpoint. A
// SQLite file is opened with mode=ro and query_only (and, when it cannot
// be opened so because its directory is not writable and no
// write-ahead log is there to read, as immutable); a PostgreSQL session
// has default_transaction_read_only on. The file must exist. Its schema
// must be between readSchema and the newest this vigie knows, else a
// *SchemaError. The write methods of the store return an error.
func OpenReadOnly(ctx context.Context, dsn string) (Store, error) {
	if dsn == "" {
		return nil, errors.New("store: empty database name: give a file path or a postgres:// URL")
	}
	if IsPostgres(dsn) {
		return openPostgresReadOnly(ctx, dsn)
	}
	return openSQLiteReadOnly(ctx, dsn)
}

func openSQLiteReadOnly(ctx context.Context, path string) (Store, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("store: sqlite %s: a file name with '?' or '#' is not supported", path)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("store: sqlite: %w", err)
	}
	ms, err := loadMigrations(sqliteMigrations, "migrations/sqlite")
	if err != nil {
		return nil, err
	}
	open := func(immutable bool) (*sql.DB, error) {
		// A "file:" URI hands mode and immutable to SQLite itself; the
		// driver still runs the _pragma parameters.
		dsn := "file:" + strings.ReplaceAll(path, "%", "%25") + "?mode=ro&_pragma=busy_timeout(10000)&_pragma=query_only(1)"
		if immutable {
			dsn += "&immutable=1"
		}
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(sqliteReaders)
		db.SetMaxIdleConns(sqliteReaders)
		if err := checkSchema(ctx, db, len(ms)); err != nil {
			db.Close()
			return nil, err
		}
		return db, nil
	}
	db, err := open(false)
	var se *SchemaError
	if err != nil && !errors.As(err, &se) && !hasWAL(path) {
		// A database in WAL mode needs its -shm file, which a reader
		// creates; where it cannot (a read-only directory) and no log
		// holds pages the file lacks, the file alone is the database.
		if db2, err2 := open(true); err2 == nil {
			db, err = db2, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	return &sqlStore{d: sqliteDialect, r: db, w: db}, nil
}

// hasWAL reports whether the SQLite database at path has a non-empty
// write-ahead log beside it.
func hasWAL(path string) bool {
	fi, err := os.Stat(path + "-wal")
	return err == nil && fi.Size() > 0
}

func openPostgresReadOnly(ctx context.Context, dsn string) (Store, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	q := u.Query()
	// pgx sends the parameters it does not know as run-time settings of
	// the session: every transaction of every connection is read-only.
	q.Set("default_transaction_read_only", "on")
	u.RawQuery = q.Encode()
	ms, err := loadMigrations(postgresMigrations, "migrations/postgres")
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	db.SetMaxOpenConns(postgresConns)
	db.SetMaxIdleConns(postgresConns)
	if err := checkSchema(ctx, db, len(ms)); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	return &sqlStore{d: postgresDialect, r: db, w: db}, nil
}

// checkSchema returns a *SchemaError unless the schema of db is between
// readSchema and known; it only reads.
func checkSchema(ctx context.Context, db *sql.DB, known int) error {
	var cur int
	err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&cur)
	if err != nil {
		if isNoTable(err) {
			return &SchemaError{Known: known, Oldest: readSchema}
		}
		return err
	}
	if cur > known || cur < readSchema {
		return &SchemaError{Version: cur, Known: known, Oldest: readSchema}
	}
	return nil
}

// isNoTable reports whether err says that the table queried does not
// exist (SQLite: "no such table"; PostgreSQL: undefined_table, 42P01).
func isNoTable(err error) bool {
	s := err.Error()
	return strings.Contains(s, "no such table") || strings.Contains(s, "42P01")
}
