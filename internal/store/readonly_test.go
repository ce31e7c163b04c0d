package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"vigie.eu/vigie/internal/store"
	"vigie.eu/vigie/internal/store/storetest"
)

// snapshot returns the name and content of every file of dir.
func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

// sameFiles fails unless after holds the files of before, unchanged, and
// nothing else but what SQLite's reader protocol makes beside a database
// in WAL mode: the shared-memory index (-shm: no data, rebuilt from the
// log by any reader) and an empty log (-wal of 0 bytes).
func sameFiles(t *testing.T, before, after map[string][]byte) {
	t.Helper()
	for name, b := range before {
		if filepath.Ext(name) == ".db-shm" {
			continue
		}
		if a, ok := after[name]; !ok {
			t.Errorf("%s is gone", name)
		} else if !bytes.Equal(a, b) {
			t.Errorf("%s changed (%d bytes, was %d)", name, len(a), len(b))
		}
	}
	for name := range after {
		if _, ok := before[name]; ok || filepath.Ext(name) == ".db-shm" {
			continue
		}
		if filepath.Ext(name) == ".db-wal" && len(after[name]) == 0 {
			continue
		}
		t.Errorf("%s was created (%d bytes)", name, len(after[name]))
	}
}

// fill stores a finished campaign of three organisations, two of them
// audited, and returns its ID.
func fill(t *testing.T, s store.Store) int64 {
	t.Helper()
	ctx := context.Background()
	id, err := s.CreateCampaign(ctx, &store.Campaign{Name: "lecture seule", Options: storetest.Options()}, orgsN(3))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC)
	var jobs []store.Job
	if err := s.PendingJobs(ctx, id, func(j store.Job) error { jobs = append(jobs, j); return nil }); err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs[:2] {
		if err := s.SaveAudit(ctx, j, storetest.Realistic(j.Domain, at)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.FinishCampaign(ctx, id, at); err != nil {
		t.Fatal(err)
	}
	return id
}

// reads runs every read method of s on campaign id and returns what it
// read, as text.
func reads(t *testing.T, s store.Store, id int64) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	c, err := s.Campaign(ctx, id)
	if err != nil {
		t.Fatalf("Campaign: %v", err)
	}
	out = append(out, fmt.Sprintf("campaign %d %q total %d finished %v resolver %s", c.ID, c.Name, c.Total, c.Finished, c.Options.Resolver))
	list, err := s.ListCampaigns(ctx, 0, 0)
	if err != nil {
		t.Fatalf("ListCampaigns: %v", err)
	}
	for _, l := range list {
		out = append(out, fmt.Sprintf("list %d %s %d/%d", l.ID, l.Status, l.Done, l.Total))
	}
	done, total, err := s.Progress(ctx, id)
	if err != nil {
		t.Fatalf("Progress: %v", err)
	}
	out = append(out, fmt.Sprintf("progress %d/%d", done, total))
	for _, f := range []func(context.Context, func(store.AuditRecord) error) error{
		s.LatestAudits,
		func(ctx context.Context, fn func(store.AuditRecord) error) error {
			return s.CampaignAudits(ctx, id, fn)
		},
	} {
		err := f(ctx, func(r store.AuditRecord) error {
			out = append(out, fmt.Sprintf("audit %s %s %s %q", r.Org.ID, r.Domain, r.Grade, r.Unreadable))
			return nil
		})
		if err != nil {
			t.Fatalf("audits: %v", err)
		}
	}
	h, err := s.History(ctx, "d0000.test", true)
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	out = append(out, fmt.Sprintf("history %d", len(h)))
	return out
}

// TestReadOnlySQLite opens a database whose file and folder are read-only
// (mode 0444, 0555): it reads what a writable open reads, refuses to
// write, and leaves every file as it was (as root, modes do not stop a
// write: the files' bytes tell).
func TestReadOnlySQLite(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "vigie.db")
	rw, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	id := fill(t, rw)
	want := reads(t, rw, id)
	rw.Close()
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	before := snapshot(t, dir)

	ro, err := store.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatalf("OpenReadOnly: %v", err)
	}
	if got := reads(t, ro, id); !slices.Equal(got, want) {
		t.Errorf("read-only reads:\n%q\nwant\n%q", got, want)
	}
	if _, err := ro.CreateCampaign(ctx, &store.Campaign{Name: "x"}, orgsN(1)); err == nil {
		t.Error("CreateCampaign on a read-only store: no error")
	}
	if err := ro.FinishCampaign(ctx, id, time.Now()); err == nil {
		t.Error("FinishCampaign on a read-only store: no error")
	}
	var job store.Job
	ro.PendingJobs(ctx, id, func(j store.Job) error { job = j; return nil })
	if err := ro.SaveAudit(ctx, job, storetest.Realistic(job.Domain, time.Now())); err == nil {
		t.Error("SaveAudit on a read-only store: no error")
	}
	if err := ro.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	sameFiles(t, before, snapshot(t, dir))
}

// TestReadOnlyWhileWriting reads a database that a campaign is writing:
// the reader sees what the writer committed to its log, and changes
// nothing of it.
func TestReadOnlyWhileWriting(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vigie.db")
	rw, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	id := fill(t, rw)
	want := reads(t, rw, id)
	wal, err := os.ReadFile(path + "-wal")
	if err != nil || len(wal) == 0 {
		t.Fatalf("no write-ahead log while the writer is open (%d bytes, %v)", len(wal), err)
	}
	db, _ := os.ReadFile(path)
	ro, err := store.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if got := reads(t, ro, id); !slices.Equal(got, want) {
		t.Errorf("read-only reads:\n%q\nwant\n%q", got, want)
	}
	ro.Close()
	if wal2, _ := os.ReadFile(path + "-wal"); !bytes.Equal(wal, wal2) {
		t.Error("the reader changed the write-ahead log")
	}
	if db2, _ := os.ReadFile(path); !bytes.Equal(db, db2) {
		t.Error("the reader changed the database file")
	}
}

// TestReadOnlyRefuses: a missing file is not created, a file that is no
// vigie database and one from a newer vigie are refused with a
// *store.SchemaError, and left as they were.
func TestReadOnlyRefuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	missing := filepath.Join(dir, "absent.db")
	if s, err := store.OpenReadOnly(ctx, missing); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenReadOnly of a missing file = %v, %v; want an error that is os.ErrNotExist", s, err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("OpenReadOnly created the missing file")
	}

	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var se *store.SchemaError
	if _, err := store.OpenReadOnly(ctx, empty); !errors.As(err, &se) || se.Version != 0 || se.Newer() {
		t.Errorf("OpenReadOnly of an empty file = %v, want a SchemaError of version 0", err)
	}
	if b, _ := os.ReadFile(empty); len(b) != 0 {
		t.Errorf("the empty file now holds %d bytes", len(b))
	}

	newer := filepath.Join(dir, "newer.db")
	s, err := store.Open(ctx, newer)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	raw, err := sql.Open("sqlite", newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future.sql', 'x')"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	before := snapshot(t, dir)
	if _, err := store.OpenReadOnly(ctx, newer); !errors.As(err, &se) || !se.Newer() || se.Version != 999 {
		t.Errorf("OpenReadOnly of a newer database = %v, want a SchemaError of version 999", err)
	}
	sameFiles(t, before, snapshot(t, dir))
}

// TestReadOnlyPostgres: a read-only session reads and cannot write.
func TestReadOnlyPostgres(t *testing.T) {
	ctx := context.Background()
	dsn := postgresSchema(t)
	rw, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	id := fill(t, rw)
	want := reads(t, rw, id)
	ro, err := store.OpenReadOnly(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if got := reads(t, ro, id); !slices.Equal(got, want) {
		t.Errorf("read-only reads:\n%q\nwant\n%q", got, want)
	}
	if _, err := ro.CreateCampaign(ctx, &store.Campaign{Name: "x"}, orgsN(1)); err == nil {
		t.Error("CreateCampaign on a read-only session: no error")
	}
	if err := ro.FinishCampaign(ctx, id, time.Now()); err == nil {
		t.Error("FinishCampaign on a read-only session: no error")
	}
}
