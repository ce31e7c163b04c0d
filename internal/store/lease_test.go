package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"vigie.eu/vigie/internal/store"
)

// TestLeaseExpirySQLite: a SQLite lease whose holder stopped renewing it
// (its expiry passed) is taken by the next Lock, and the old holder,
// at its next heartbeat, learns that it lost it; a lease whose holder's
// process is gone on this host is free at once.
func TestLeaseExpirySQLite(t *testing.T) {
	beat := store.LeaseHeartbeat
	store.LeaseHeartbeat = 20 * time.Millisecond
	t.Cleanup(func() { store.LeaseHeartbeat = beat })
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "lease.db")
	s, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	o := []store.Organisation{{ID: "1", Domains: []string{"a.test"}}}
	id, err := s.CreateCampaign(ctx, &store.Campaign{Name: "c"}, o)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()

	first, err := s.Lock(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Release()
	// The holder on another host has not renewed its lease for a
	// minute: it is free.
	if _, err := raw.Exec(`UPDATE campaign_leases SET host = 'elsewhere', expires = ? WHERE campaign_id = ?`,
		time.Now().Add(-time.Minute).UnixMicro(), id); err != nil {
		t.Fatal(err)
	}
	second, err := s.Lock(ctx, id)
	if err != nil {
		t.Fatalf("Lock of an expired lease: %v", err)
	}
	select {
	case <-first.Lost():
	case <-time.After(time.Minute):
		t.Fatal("the holder of a lease taken over was not told it lost it")
	}
	// A live holder on another host: refused.
	if _, err := raw.Exec(`UPDATE campaign_leases SET host = 'elsewhere', pid = 1 WHERE campaign_id = ?`, id); err != nil {
		t.Fatal(err)
	}
	var le *store.LockedError
	if _, err := s.Lock(ctx, id); !errors.As(err, &le) || le.Holder.Host != "elsewhere" || le.Holder.PID != 1 {
		t.Fatalf("Lock of a live lease on another host: %v, want a LockedError naming elsewhere, pid 1", err)
	}
	// On this host, a holder whose process is gone: free at once. No
	// process has pid 0x7ffffff0 (above the kernel's largest pid).
	host, _ := os.Hostname()
	if _, err := raw.Exec(`UPDATE campaign_leases SET host = ?, pid = ? WHERE campaign_id = ?`, host, 0x7ffffff0, id); err != nil {
		t.Fatal(err)
	}
	third, err := s.Lock(ctx, id)
	if err != nil {
		t.Fatalf("Lock of a lease whose process is gone: %v", err)
	}
	third.Release()
	second.Release()
}
