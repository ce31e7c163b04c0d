package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/store"
)

// testOnDemand: on-demand audits are stored apart from the campaigns,
// read back whole by ID, and the newest of a domain since a time is the
// cool-down's answer.
func testOnDemand(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.OnDemand(ctx, 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("OnDemand(1) of an empty store: %v, want ErrNotFound", err)
	}
	if _, err := s.LatestOnDemand(ctx, "a.test", base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LatestOnDemand of an empty store: %v, want ErrNotFound", err)
	}
	if _, err := s.SaveOnDemand(ctx, nil); err == nil {
		t.Error("SaveOnDemand(nil) = nil error")
	}
	first := Realistic("a.test", base)
	id1, err := s.SaveOnDemand(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := s.SaveOnDemand(ctx, result("a.test", base.Add(10*time.Minute), "B", 70))
	if err != nil {
		t.Fatal(err)
	}
	id3, err := s.SaveOnDemand(ctx, result("b.test", base.Add(20*time.Minute), "", 0))
	if err != nil {
		t.Fatal(err)
	}
	if id1 == id2 || id2 == id3 || id1 == id3 {
		t.Fatalf("ids %d, %d, %d: want three different", id1, id2, id3)
	}
	got, err := s.OnDemand(ctx, id1)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != id1 || got.Domain != "a.test" || !got.Time.Equal(base.Truncate(time.Microsecond)) || got.Unreadable != "" {
		t.Errorf("OnDemand(%d) = %d %s %v %q", id1, got.ID, got.Domain, got.Time, got.Unreadable)
	}
	if got.Result == nil || got.Result.Score == nil || got.Grade != first.Score.Grade || got.Points != first.Score.Points {
		t.Fatalf("OnDemand(%d): grade %q points %d, want the result's %q %d", id1, got.Grade, got.Points, first.Score.Grade, first.Score.Points)
	}
	if diff := cmp.Diff(len(first.Findings), len(got.Result.Findings)); diff != "" {
		t.Errorf("findings read back (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		domain string
		since  time.Time
		want   int64 // 0: not found
	}{
		{"a.test", base.Add(-time.Hour), id2},
		{"a.test", base.Add(10 * time.Minute), id2},
		{"a.test", base.Add(11 * time.Minute), 0},
		{"b.test", base, id3},
		{"c.test", base, 0},
	} {
		a, err := s.LatestOnDemand(ctx, tc.domain, tc.since)
		switch {
		case tc.want == 0 && !errors.Is(err, store.ErrNotFound):
			t.Errorf("LatestOnDemand(%s, %v) = %d, %v; want ErrNotFound", tc.domain, tc.since, a.ID, err)
		case tc.want != 0 && (err != nil || a.ID != tc.want):
			t.Errorf("LatestOnDemand(%s, %v) = %d, %v; want %d", tc.domain, tc.since, a.ID, err, tc.want)
		}
	}
	b, _ := s.OnDemand(ctx, id3)
	if b.Grade != "" || b.Points != 0 || b.Result == nil {
		t.Errorf("an ungraded on-demand audit read back as grade %q, points %d, result %v", b.Grade, b.Points, b.Result != nil)
	}
	// Apart from the campaigns: nothing in the history nor the latest
	// audits.
	h, err := s.History(ctx, "a.test", false)
	if err != nil || len(h) != 0 {
		t.Errorf("History(a.test) = %d audits, %v; want none: on-demand audits are not a domain's history", len(h), err)
	}
	n := 0
	if err := s.LatestAudits(ctx, func(store.AuditRecord) error { n++; return nil }); err != nil || n != 0 {
		t.Errorf("LatestAudits gave %d, %v; want none", n, err)
	}
}
