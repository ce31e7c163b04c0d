package tlsprobe

import (
	"reflect"
	"sync"
	"testing"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/tlstest"
)

// TestCache: audits that meet one address and name at once enumerate it
// once; the others take that observation, say whose it was, and open no
// connection; a server that does not answer is not shared.
func TestCache(t *testing.T) {
	srv := tlstest.NewServer(t, tlstest.Options{})
	c := NewCache()
	const audits = 4
	obs := make([]*audit.TLSObservation, audits)
	guards := make([]*guard.Guard, audits)
	var wg sync.WaitGroup
	for i := range audits {
		guards[i] = guard.ForLab()
		cfg := Config{Lookup: loopback, Guard: guards[i], Timeout: 5 * time.Second, Roots: srv.CA.Pool(), RootsName: "test CA",
			Cache: c, CacheKind: "smtp", Auditing: []string{"a.test", "b.test", "c.test", "d.test"}[i]}
		wg.Go(func() { obs[i] = Probe(t.Context(), cfg, "localhost", srv.Port) })
	}
	wg.Wait()
	owners, connected := 0, 0
	var owner *audit.TLSObservation
	for i, o := range obs {
		if o.Error != "" || len(o.Protocols) != len(versions) {
			t.Fatalf("audit %d: %+v", i, o)
		}
		if n := total(guards[i].Connections()); n > 0 {
			connected++
		}
		if o.SharedFrom == "" {
			owners++
			owner = o
		}
	}
	if owners != 1 || connected != 1 {
		t.Fatalf("%d audits enumerated, %d connected; want 1 and 1", owners, connected)
	}
	for i, o := range obs {
		if o == owner {
			continue
		}
		if o.SharedFrom == "" || !reflect.DeepEqual(o.Protocols, owner.Protocols) || !reflect.DeepEqual(o.Certificates, owner.Certificates) {
			t.Errorf("audit %d: shared from %q, protocols or certificates differ from the owner's", i, o.SharedFrom)
		}
	}
	if done, reused := c.Counts(); done != 1 || reused != audits-1 {
		t.Errorf("Counts() = %d, %d; want 1, %d", done, reused, audits-1)
	}
	// Another kind on the same address is its own enumeration.
	cfg := Config{Lookup: loopback, Guard: guard.ForLab(), Timeout: 5 * time.Second, Cache: c, CacheKind: "https"}
	if o := Probe(t.Context(), cfg, "localhost", srv.Port); o.SharedFrom != "" {
		t.Errorf("kind https took the smtp enumeration (from %q)", o.SharedFrom)
	}

	// A dead server: each audit says so itself, nothing is shared.
	dead := tlstest.NewRawServer(t, tlstest.Hang)
	cfg = Config{Lookup: loopback, Guard: guard.ForLab(), Timeout: 200 * time.Millisecond, Cache: c, CacheKind: "smtp"}
	for range 2 {
		if o := Probe(t.Context(), cfg, "localhost", port(t, dead)); o.SharedFrom != "" || o.Error == "" {
			t.Errorf("dead server: shared from %q, error %q", o.SharedFrom, o.Error)
		}
	}
}
