package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/sqlite/*.sql
var sqliteMigrations embed.FS

var sqliteDialect = &dialect{
	name:    "sqlite",
	timeArg: func(t time.Time) any { return t.UnixMicro() },
	isForeignKey: func(err error) bool {
		var e *sqlite.Error
		return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	},
}

// sqliteReaders is the number of connections that read concurrently.
const sqliteReaders = 4

// OpenSQLite opens (creating if absent) and migrates the SQLite database in
// the file at path.
//
// The database is in write-ahead-log mode with synchronous=NORMAL: a
// committed transaction has been written to the log before the commit
// returns, so it survives the death of the process (kill -9), though not
// necessarily a power cut or an operating system crash, which may lose the
// last transactions but never corrupts the file. Writes go through one
// connection (SQLite has one writer at a time); reads use a few others.
func OpenSQLite(ctx context.Context, path string) (Store, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("store: sqlite %s: a file name with '?' or '#' is not supported", path)
	}
	params := func(extra ...string) string {
		v := url.Values{}
		v.Add("_pragma", "busy_timeout(10000)")
		v.Add("_pragma", "journal_mode(WAL)")
		v.Add("_pragma", "synchronous(NORMAL)")
		v.Add("_pragma", "foreign_keys(1)")
		for i := 0; i+1 < len(extra); i += 2 {
			v.Add(extra[i], extra[i+1])
		}
		return path + "?" + v.Encode()
	}
	// BEGIN IMMEDIATE takes the write lock at once, so that two
	// processes writing the same file wait on busy_timeout instead of
	// failing when a read transaction tries to become a write one.
	w, err := sql.Open("sqlite", params("_txlock", "immediate"))
	if err != nil {
		return nil, fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	ms, err := loadMigrations(sqliteMigrations, "migrations/sqlite")
	if err == nil {
		err = migrate(ctx, w, ms, "")
	}
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", params("_pragma", "query_only(1)"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	r.SetMaxOpenConns(sqliteReaders)
	r.SetMaxIdleConns(sqliteReaders)
	return &sqlStore{d: sqliteDialect, r: r, w: w}, nil
}
