package queue

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"vigie.eu/vigie/internal/store"
)

// postgresURL is the test server's URL, from VIGIE_TEST_POSTGRES
// (e2e/postgres.sh starts a throwaway one).
func postgresURL(t testing.TB) string {
	u := os.Getenv("VIGIE_TEST_POSTGRES")
	if u == "" {
		t.Skip("queue NOT TESTED: set VIGIE_TEST_POSTGRES to a postgres:// URL (e2e/postgres.sh start DIR prints one; .ci/test does it)")
	}
	return u
}

// schemaURL creates a fresh schema, dropped when the test ends, and
// returns the URL that uses it.
func schemaURL(t testing.TB) string {
	base := postgresURL(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(ctx) })
	schema := fmt.Sprintf("vigie_queue_test_%d_%d", os.Getpid(), rand.Uint32())
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestSlotsAcrossWorkers checks the per-address cap of two workers
// together, and that a worker's slots are freed when its connection
// ends.
func TestSlotsAcrossWorkers(t *testing.T) {
	u := postgresURL(t)
	ctx := context.Background()
	a, err := newSlots(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	b, err := newSlots(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.close)
	// An address of its own, so that concurrent tests do not meet.
	addr := netip.AddrFrom4([4]byte{127, byte(rand.IntN(256)), byte(rand.IntN(256)), byte(rand.IntN(256))})
	take := func(s *slots, want bool) func() error {
		t.Helper()
		rel, ok, err := s.acquire(ctx, addr, 2)
		if err != nil {
			t.Fatal(err)
		}
		if ok != want {
			t.Fatalf("acquire = %v, want %v", ok, want)
		}
		return rel
	}
	take(a, true)
	relA := take(a, true) // the same session takes its second slot, not the first again
	take(a, false)        // both held by a
	take(b, false)        // and b sees them held
	if err := relA(); err != nil {
		t.Fatal(err)
	}
	relB := take(b, true)
	take(a, false)
	a.close() // a dies: its slot goes with its connection
	take(b, true)
	if err := relB(); err != nil {
		t.Fatal(err)
	}
	// The zero address takes no slot.
	if _, ok, err := b.acquire(ctx, netip.Addr{}, 1); !ok || err != nil {
		t.Errorf("zero address: ok %v, err %v; want a free pass", ok, err)
	}
}

// TestSubmitOnce checks that a campaign's jobs are queued once, and
// counted by campaign.
func TestSubmitOnce(t *testing.T) {
	u := schemaURL(t)
	ctx := context.Background()
	q, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Close)
	jobs := []store.Job{
		{Org: store.Organisation{ID: "1", Name: "Mairie"}, Domain: "a.test"},
		{Org: store.Organisation{ID: "1"}, Domain: "b.test", DKIMSelectors: []string{"s1"}},
		{Org: store.Organisation{ID: "2"}, Domain: "c.test"},
	}
	if err := q.Submit(ctx, 7, jobs); err != nil {
		t.Fatal(err)
	}
	if err := q.Submit(ctx, 7, jobs[:1]); !errors.Is(err, ErrSubmitted) {
		t.Errorf("second Submit: %v, want ErrSubmitted", err)
	}
	if err := q.Submit(ctx, 8, jobs[:1]); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int64]Counts{7: {Jobs: 3, Pending: 3}, 8: {Jobs: 1, Pending: 1}, 9: {}} {
		got, err := q.Counts(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("Counts(%d) = %+v, want %+v", id, got, want)
		}
	}
	// The arguments are the store's job.
	var args AuditArgs
	row := q.pool.QueryRow(ctx, `SELECT args FROM river_job WHERE args->>'domain' = 'b.test'`)
	if err := row.Scan(&args); err != nil {
		t.Fatal(err)
	}
	if j := args.job(1); j.CampaignID != 7 || j.Org.ID != "1" || j.Domain != "b.test" || len(j.DKIMSelectors) != 1 {
		t.Errorf("job from the arguments: %+v", j)
	}
	// Migrations run again are a no-op (every worker runs them).
	if _, err := Open(ctx, u); err != nil {
		t.Errorf("second Open: %v", err)
	}
}
