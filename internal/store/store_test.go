package store_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
	"vigie.eu/vigie/internal/store/storetest"
)

func openSQLite(t testing.TB) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "vigie.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openSQLite(t) })
}

// postgresURL returns the URL of the PostgreSQL server to test against,
// from VIGIE_TEST_POSTGRES (e2e/postgres.sh starts a throwaway one).
func postgresURL(t testing.TB) string {
	u := os.Getenv("VIGIE_TEST_POSTGRES")
	if u == "" {
		t.Skip("PostgreSQL backend NOT TESTED: set VIGIE_TEST_POSTGRES to a postgres:// URL (e2e/postgres.sh start DIR prints one; .ci/run does it)")
	}
	return u
}

// openPostgres returns a store in a fresh schema of the test server,
// dropped when the test ends.
func openPostgres(t testing.TB) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), postgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// postgresSchema creates a fresh schema in the test server, dropped when
// the test ends, and returns the URL that uses it.
func postgresSchema(t testing.TB) string {
	t.Helper()
	base := postgresURL(t)
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	schema := fmt.Sprintf("vigie_test_%d_%d", os.Getpid(), rand.Uint32())
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema) // pgx sends unknown parameters as run-time settings
	u.RawQuery = q.Encode()
	return u.String()
}

func TestPostgres(t *testing.T) {
	postgresURL(t)
	storetest.Run(t, func(t *testing.T) store.Store { return openPostgres(t) })
}

// corruptWith returns a storetest.Corrupt that updates the audits of the
// database at dsn through driver, with the placeholders of the dialect.
func corruptWith(t *testing.T, driver, dsn, query string) storetest.Corrupt {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return func(t *testing.T, id int64, column string, value any) error {
		_, err := db.ExecContext(t.Context(), fmt.Sprintf(query, column), value, id)
		return err
	}
}

func TestUnreadableSQLite(t *testing.T) {
	storetest.RunUnreadable(t, func(t *testing.T) (store.Store, storetest.Corrupt) {
		path := filepath.Join(t.TempDir(), "vigie.db")
		s, err := store.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, corruptWith(t, "sqlite", path, `UPDATE audits SET %s = ? WHERE id = ?`)
	})
}

func TestUnreadablePostgres(t *testing.T) {
	postgresURL(t)
	storetest.RunUnreadable(t, func(t *testing.T) (store.Store, storetest.Corrupt) {
		dsn := postgresSchema(t)
		s, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, corruptWith(t, "pgx", dsn, `UPDATE audits SET %s = $1 WHERE id = $2`)
	})
}

// testMigrateTwice opens the store at dsn twice: the second Open applies
// nothing and keeps the data; then a schema from a newer vigie is refused.
func testMigrateTwice(t *testing.T, driver, dsn string) {
	ctx := context.Background()
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.CreateCampaign(ctx, &store.Campaign{Name: "avant"}, orgsN(3))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	versions := func() string {
		t.Helper()
		rows, err := db.QueryContext(ctx, "SELECT version, name FROM schema_migrations ORDER BY version")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var vs []string
		for rows.Next() {
			var v int
			var name string
			if err := rows.Scan(&v, &name); err != nil {
				t.Fatal(err)
			}
			vs = append(vs, fmt.Sprintf("%d %s", v, name))
		}
		return strings.Join(vs, ", ")
	}
	first := versions()
	if !strings.HasPrefix(first, "1 0001_init.sql") {
		t.Errorf("schema_migrations after the first Open: %q", first)
	}

	s, err = store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	if c, err := s.Campaign(ctx, id); err != nil || c.Total != 3 {
		t.Errorf("campaign after the second Open: %+v, %v", c, err)
	}
	s.Close()
	if again := versions(); again != first {
		t.Errorf("schema_migrations after the second Open: %q, want %q", again, first)
	}

	if _, err := db.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future.sql', 'x')"); err != nil {
		t.Fatal(err)
	}
	if s, err := store.Open(ctx, dsn); err == nil {
		s.Close()
		t.Error("Open of a database migrated by a newer vigie: no error")
	}
}

func TestMigrateTwiceSQLite(t *testing.T) {
	testMigrateTwice(t, "sqlite", filepath.Join(t.TempDir(), "m.db"))
}

func TestMigrateTwicePostgres(t *testing.T) {
	testMigrateTwice(t, "pgx", postgresSchema(t))
}

func TestOpenDispatch(t *testing.T) {
	for _, tt := range []struct {
		dsn  string
		want bool
	}{
		{"postgres://u@127.0.0.1/db", true},
		{"PostgreSQL://u@127.0.0.1/db", true},
		{"vigie.db", false},
		{"/var/lib/vigie/postgres.db", false},
	} {
		if got := store.IsPostgres(tt.dsn); got != tt.want {
			t.Errorf("IsPostgres(%q) = %v, want %v", tt.dsn, got, tt.want)
		}
	}
	if _, err := store.Open(context.Background(), ""); err == nil {
		t.Error("Open(\"\"): no error")
	}
	if _, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "a?b.db")); err == nil {
		t.Error("Open of a file name with '?': no error")
	}
}

// TestKillSQLite kills (SIGKILL) a child process that saves audits
// concurrently, at random points, several times, resuming each time: every
// save the child saw return must be in the store, and in the end every job
// is audited exactly once.
func TestKillSQLite(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "kill.db")
	ctx := context.Background()
	s, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.CreateCampaign(ctx, &store.Campaign{Name: "kill"}, orgsN(400))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	acked := map[string]bool{}
	for round := 0; ; round++ {
		if round == 20 {
			t.Fatal("campaign not finished after 20 rounds")
		}
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(), "VIGIE_STORE_KILL_CHILD="+db, "VIGIE_STORE_KILL_CAMPAIGN="+strconv.FormatInt(id, 10))
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill after a random number of acknowledged saves, or let the
		// last rounds finish.
		killAt := 20 + rand.IntN(80)
		n, finished, killed := 0, false, false
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if d, ok := strings.CutPrefix(line, "saved "); ok {
				acked[d] = true
				n++
				if n == killAt && round < 5 {
					cmd.Process.Kill()
					killed = true
				}
			}
			if line == "finished" {
				finished = true
			}
		}
		if err := cmd.Wait(); err != nil && !killed {
			t.Fatalf("round %d: child: %v", round, err)
		}

		s, err := store.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		err = s.LatestAudits(ctx, func(r store.AuditRecord) error {
			got[r.Domain]++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for d := range acked {
			if got[d] != 1 {
				t.Errorf("round %d: acknowledged save of %s not in the store after kill -9", round, d)
			}
		}
		done, total, err := s.Progress(ctx, id)
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		if done != len(got) {
			t.Errorf("round %d: progress says %d done, store holds %d", round, done, len(got))
		}
		t.Logf("round %d: %d acknowledged saves, finished %v; %d/%d done", round, n, finished, done, total)
		if finished {
			if done != total {
				t.Errorf("child finished with %d/%d done", done, total)
			}
			break
		}
	}
}

// TestMain runs the child process of TestKillSQLite when asked to, and
// the tests otherwise.
func TestMain(m *testing.M) {
	if db := os.Getenv("VIGIE_STORE_KILL_CHILD"); db != "" {
		if err := killChild(db); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// killChild is the child process of TestKillSQLite: it saves the pending
// jobs of the campaign with 16 goroutines, printing "saved DOMAIN" once
// each save returns, then "finished".
func killChild(db string) error {
	id, err := strconv.ParseInt(os.Getenv("VIGIE_STORE_KILL_CAMPAIGN"), 10, 64)
	if err != nil {
		return err
	}
	ctx := context.Background()
	s, err := store.Open(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	ch := make(chan store.Job)
	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		failed error
	)
	r := storetest.Realistic("x", time.Now())
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				rr := *r
				rr.Domain = j.Domain
				err := s.SaveAudit(ctx, j, &rr)
				mu.Lock()
				if err != nil {
					failed = err
				} else {
					fmt.Printf("saved %s\n", j.Domain)
				}
				mu.Unlock()
			}
		}()
	}
	err = s.PendingJobs(ctx, id, func(j store.Job) error { ch <- j; return nil })
	close(ch)
	wg.Wait()
	if err != nil {
		return err
	}
	if failed != nil {
		return failed
	}
	fmt.Println("finished")
	return nil
}

func orgsN(n int) []store.Organisation {
	var os []store.Organisation
	for i := range n {
		os = append(os, store.Organisation{ID: fmt.Sprintf("%09d", i), Domains: []string{fmt.Sprintf("d%d.test", i)}})
	}
	return os
}

// benchSave measures SaveAudit of realistic results from 64 goroutines,
// and reports the disk space the audits take (size returns it in bytes).
func benchSave(b *testing.B, s store.Store, size func() int64) {
	ctx := context.Background()
	id, err := s.CreateCampaign(ctx, &store.Campaign{Name: "bench"}, orgsN(b.N))
	if err != nil {
		b.Fatal(err)
	}
	var jobs []store.Job
	if err := s.PendingJobs(ctx, id, func(j store.Job) error { jobs = append(jobs, j); return nil }); err != nil {
		b.Fatal(err)
	}
	proto := storetest.Realistic("x", time.Now())
	var next atomic.Int64
	b.SetParallelism(32) // GOMAXPROCS × 32 goroutines, as a campaign's workers
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			j := jobs[next.Add(1)-1]
			r := *proto
			r.Domain = j.Domain
			if err := s.SaveAudit(ctx, j, &r); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "saves/s")
	b.ReportMetric(float64(size())/float64(b.N), "disk-B/save")
}

func BenchmarkSaveAudit(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		dir := b.TempDir()
		s, err := store.Open(context.Background(), filepath.Join(dir, "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		benchSave(b, s, func() int64 {
			// The database and its write-ahead log (jobs and
			// organisations included: a few percent).
			var n int64
			for _, f := range []string{"bench.db", "bench.db-wal"} {
				if fi, err := os.Stat(filepath.Join(dir, f)); err == nil {
					n += fi.Size()
				}
			}
			return n
		})
	})
	b.Run("postgres", func(b *testing.B) {
		dsn := postgresSchema(b)
		s, err := store.Open(context.Background(), dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		benchSave(b, s, func() int64 {
			db, err := sql.Open("pgx", dsn)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			var n int64
			if err := db.QueryRow("SELECT pg_total_relation_size('audits')").Scan(&n); err != nil {
				b.Fatal(err)
			}
			return n
		})
	})
}

// TestMigrate0003SQLite: a database written before migration 0003 keeps
// its campaigns' organisations: each campaign's audits are read back
// with the name the shared table held when vigie was upgraded.
func TestMigrate0003SQLite(t *testing.T) {
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var schema []string
	for i, name := range []string{"0001_init.sql", "0002_run_options.sql"} {
		b, err := os.ReadFile(filepath.Join("migrations", "sqlite", name))
		if err != nil {
			t.Fatal(err)
		}
		schema = append(schema, string(b),
			fmt.Sprintf("INSERT INTO schema_migrations VALUES (%d, '%s', 'x')", i+1, name))
	}
	stmts := append([]string{"CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)"}, schema...)
	stmts = append(stmts,
		`INSERT INTO organisations VALUES ('1', 'CHU de Lyon', 'hôpital', '["chu.test"]')`,
		`INSERT INTO campaigns (id, name, created_at, total) VALUES (1, 'avant', 0, 1)`,
		`INSERT INTO jobs VALUES (1, '1', 'chu.test')`,
	)
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	jobs := []store.Job{}
	if err := s.PendingJobs(ctx, 1, func(j store.Job) error { jobs = append(jobs, j); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || jobs[0].Org.Name != "CHU de Lyon" || jobs[0].Org.Category != "hôpital" || jobs[0].DKIMSelectors != nil {
		t.Fatalf("jobs of the old campaign after the migration = %+v", jobs)
	}
	if err := s.SaveAudit(ctx, jobs[0], &audit.Result{Domain: "chu.test", Time: time.Unix(1, 0)}); err != nil {
		t.Fatal(err)
	}
	// A new campaign reuses the identifier for another body.
	if _, err := s.CreateCampaign(ctx, &store.Campaign{Name: "après"}, []store.Organisation{{ID: "1", Name: "Commune de Y", Domains: []string{"chu.test"}}}); err != nil {
		t.Fatal(err)
	}
	var names []string
	if err := s.CampaignAudits(ctx, 1, func(r store.AuditRecord) error { names = append(names, r.Org.Name); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || names[0] != "CHU de Lyon" {
		t.Errorf("audits of the old campaign read back under %q, want CHU de Lyon", names)
	}
}
