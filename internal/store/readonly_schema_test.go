package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
)

// readAll runs every read method of s on an empty database and returns
// the first error that is not ErrNotFound.
func readAll(ctx context.Context, s Store) error {
	none := func(AuditRecord) error { return nil }
	for name, f := range map[string]func() error{
		"Campaign":       func() error { _, err := s.Campaign(ctx, 1); return err },
		"LatestCampaign": func() error { _, err := s.LatestCampaign(ctx); return err },
		"ListCampaigns":  func() error { _, err := s.ListCampaigns(ctx, 0, 10); return err },
		"Progress":       func() error { _, _, err := s.Progress(ctx, 1); return err },
		"PendingJobs":    func() error { return s.PendingJobs(ctx, 1, func(Job) error { return nil }) },
		"LatestAudits":   func() error { return s.LatestAudits(ctx, none) },
		"CampaignAudits": func() error { return s.CampaignAudits(ctx, 1, none) },
		"History":        func() error { _, err := s.History(ctx, "d.test", true); return err },
	} {
		if err := f(); err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// TestReadOnlySchemas migrates a SQLite database to each schema version
// in turn and opens it read-only: from readSchema on, every read method
// works on it (readSchema is not too old for the read queries), and the
// version before is refused with a SchemaError, as it must be since some
// read query needs a column it lacks (readSchema is not too new).
func TestReadOnlySchemas(t *testing.T) {
	ctx := context.Background()
	ms, err := loadMigrations(sqliteMigrations, "migrations/sqlite")
	if err != nil {
		t.Fatal(err)
	}
	if readSchema < 1 || readSchema > len(ms) {
		t.Fatalf("readSchema = %d, want 1 to %d", readSchema, len(ms))
	}
	for v := readSchema - 1; v <= len(ms); v++ {
		t.Run(fmt.Sprint("version ", v), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "v.db")
			raw, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			if err := migrate(ctx, raw, ms[:v], ""); err != nil {
				t.Fatal(err)
			}
			if v < readSchema {
				// Read as if it were accepted: some read fails.
				s := &sqlStore{d: sqliteDialect, r: raw, w: raw}
				if err := readAll(ctx, s); err == nil {
					t.Errorf("every read works on schema %d: readSchema (%d) could be lower", v, readSchema)
				}
			}
			raw.Close()
			s, err := OpenReadOnly(ctx, path)
			if v < readSchema {
				var se *SchemaError
				if !errors.As(err, &se) || se.Version != v || se.Newer() {
					t.Fatalf("OpenReadOnly of schema %d = %v, want a SchemaError", v, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("OpenReadOnly of schema %d: %v", v, err)
			}
			defer s.Close()
			if err := readAll(ctx, s); err != nil {
				t.Errorf("schema %d, read-only: %v: raise readSchema", v, err)
			}
		})
	}
}
