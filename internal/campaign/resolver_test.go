package campaign

import (
	"errors"
	"net"
	"sync/atomic"
	"testing"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/dnstest"
	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/engine/enginetest"
	"vigie.eu/vigie/internal/store"
)

// switchable is a DNS forwarder to another server that can be made to
// stop answering, as a resolver that goes down.
type switchable struct {
	addr     string
	upstream string
	down     atomic.Bool
}

func newSwitchable(t *testing.T, upstream string) *switchable {
	t.Helper()
	s := &switchable{upstream: upstream}
	s.addr = dnstest.Serve(t, s)
	return s
}

func (s *switchable) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	if s.down.Load() {
		return
	}
	c := &dns.Client{Net: "udp"}
	if _, ok := w.RemoteAddr().(*net.TCPAddr); ok {
		c.Net = "tcp"
	}
	resp, _, err := c.Exchange(req, s.upstream)
	if err != nil {
		return
	}
	w.WriteMsg(resp)
}

// downAfter is a Progress that takes the resolver down after n results.
type downAfter struct {
	n   int
	dns *switchable
}

func (d *downAfter) Start(done, total int) {}
func (d *downAfter) Saved(j store.Job, r *audit.Result) {
	if d.n--; d.n == 0 {
		d.dns.down.Store(true)
	}
}

// TestRunResolverDown: a campaign whose resolver does not answer does not
// start; one whose resolver stops answering stops, without storing the
// audits that saw nothing; once the resolver is back, the campaign
// finishes with every job stored once.
func TestRunResolverDown(t *testing.T) {
	lab := enginetest.NewLab(t)
	fwd := newSwitchable(t, lab.Resolver)
	cfg := labConfig(lab)
	cfg.Engine.Resolver = fwd.addr
	cfg.Parallel = 4
	st := newMemStore(labOrgs(12))

	fwd.down.Store(true)
	err := Run(t.Context(), st, 1, cfg, nil)
	if !errors.Is(err, ErrResolverDown) {
		t.Fatalf("Run with a silent resolver = %v, want ErrResolverDown", err)
	}
	if done, _, _ := st.Progress(t.Context(), 1); done != 0 {
		t.Errorf("%d audits stored with a silent resolver", done)
	}

	fwd.down.Store(false)
	err = Run(t.Context(), st, 1, cfg, &downAfter{n: 3, dns: fwd})
	if !errors.Is(err, ErrResolverDown) {
		t.Fatalf("Run with a resolver that goes down = %v, want ErrResolverDown", err)
	}
	done, total, _ := st.Progress(t.Context(), 1)
	if done < 3 || done >= total {
		t.Errorf("after the resolver went down: %d/%d stored", done, total)
	}
	for k, r := range st.results {
		if engine.ResolverSilent(r) {
			t.Errorf("%q: stored an audit that got no DNS answer: %s", k, r.Error)
		}
	}
	if !st.finished.IsZero() {
		t.Error("campaign recorded as finished")
	}

	fwd.down.Store(false)
	if err := Run(t.Context(), st, 1, cfg, nil); err != nil {
		t.Fatal(err)
	}
	for _, j := range st.jobs {
		if n := st.saves[key(j)]; n != 1 {
			t.Errorf("%s saved %d times", key(j), n)
		}
	}
}
