package engine

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/dnstest"
)

// TestHostCache: a second lookup of a name is answered from the cache, a
// caller that changes its slice does not change the next caller's, and
// CheckResolver tells a resolver that answers from one that does not.
func TestHostCache(t *testing.T) {
	srv := dnstest.NewServer(t, `
		.               300 IN SOA ns.test. h.test. 1 7200 3600 1209600 300
		.               300 IN NS  ns.test.
		shared.test.    300 IN A    127.0.0.7
		shared.test.    300 IN AAAA ::1
	`)
	c := NewHostCache(Config{Resolver: srv.Addr})
	want := []netip.Addr{netip.MustParseAddr("127.0.0.7"), netip.MustParseAddr("::1")}
	got, err := c.Lookup(t.Context(), "shared.test")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Fatalf("Lookup (-want +got):\n%s", diff)
	}
	got[0] = netip.Addr{}
	udp, tcp := srv.Queries()
	again, err := c.Lookup(t.Context(), "shared.test")
	if err != nil {
		t.Fatal(err)
	}
	if again[0] != want[0] {
		t.Errorf("second Lookup = %v: the first caller's change leaked", again)
	}
	if u, t2 := srv.Queries(); u != udp || t2 != tcp {
		t.Errorf("second Lookup of the same name sent %d queries, want 0", u+t2-udp-tcp)
	}

	if err := c.CheckResolver(t.Context()); err != nil {
		t.Errorf("CheckResolver of a resolver that answers: %v", err)
	}
	silent := dnstest.NewServer(t, `. 300 IN SOA ns.test. h.test. 1 7200 3600 1209600 300`, dnstest.Silent())
	if err := NewHostCache(Config{Resolver: silent.Addr}).CheckResolver(t.Context()); err == nil {
		t.Error("CheckResolver of a silent resolver: no error")
	}
}
