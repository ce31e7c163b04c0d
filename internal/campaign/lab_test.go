package campaign

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"testing"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/lab"
)

// TestRunLabPoliteness runs a campaign over an estate of internal/lab,
// where organisations have addresses of their own or share one at a
// hosting provider, and checks, in the test hook, that no address ever
// has more than PerIP audits at once, and that each audit took the slot
// of its organisation's address.
func TestRunLabPoliteness(t *testing.T) {
	const n, perIP = 60, 2
	base := netip.AddrFrom4([4]byte{127, byte(128 + rand.IntN(120)), byte(rand.IntN(250)), 1})
	b := base.As4()
	// One listener per address and port: the addresses are this
	// test's own, so that fixed ports are free on them.
	const port = 8080
	l, err := lab.Start(t.Context(), lab.Config{N: n, Seed: 7, BaseAddr: base,
		DNSAddr:  fmt.Sprintf("127.%d.%d.254:0", b[1], b[2]),
		HTTPPort: port, HTTPSPort: port + 1, SMTPPort: port + 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	orgs, problems, err := ReadTargets(bytes.NewReader(l.TargetsCSV))
	if err != nil || len(problems) > 0 || len(orgs) != n {
		t.Fatalf("targets: %d organisations, %v, %v", len(orgs), problems, err)
	}
	addrOf := map[string]netip.Addr{}
	shared := map[netip.Addr]int{}
	for _, o := range l.Orgs {
		addrOf[o.Domain] = o.Addr
		shared[o.Addr]++
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(l.CAPEM) {
		t.Fatal("no CA certificate")
	}
	cfg := Config{Engine: engine.Config{AddressPolicy: guard.LabPolicy(), Resolver: l.Resolver, Anchors: []dns.RR{l.AnchorRR}, AnchorName: "lab", Roots: roots, RootsName: "lab CA",
		HTTPPort: port, HTTPSPort: port + 1, SMTPPort: port + 2}, Parallel: 16, PerIP: perIP}
	var mu sync.Mutex
	running, peak := map[netip.Addr]int{}, map[netip.Addr]int{}
	cfg.onAudit = func(a netip.Addr, delta int) {
		mu.Lock()
		defer mu.Unlock()
		running[a] += delta
		peak[a] = max(peak[a], running[a])
	}
	st := newMemStore(orgs)
	if err := Run(t.Context(), st, 1, cfg, nil); err != nil {
		t.Fatal(err)
	}
	for a, p := range peak {
		if p > perIP {
			t.Errorf("%s: %d audits at once, want at most %d", a, p, perIP)
		}
		if _, ok := shared[a]; !ok {
			t.Errorf("audit on %s, no organisation's address", a)
		}
	}
	for a, c := range shared {
		if c > 1 && peak[a] == 0 {
			t.Errorf("provider address %s (%d organisations): no audit took its slot", a, c)
		}
	}
	for _, j := range st.jobs {
		if st.saves[key(j)] != 1 {
			t.Errorf("%s saved %d times", key(j), st.saves[key(j)])
		}
		if r := st.results[key(j)]; r == nil || r.Error != "" {
			t.Errorf("%s: %+v", key(j), r)
		}
	}
}
