package campaign

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/dnstest"
	"vigie.eu/vigie/internal/engine"
)

// flaky answers A queries for flaky.test with SERVFAIL the first fails
// times and with 127.0.0.7 after that; gone.test does not exist and
// bare.test has no address.
type flaky struct {
	mu    sync.Mutex
	fails int
	asked int
}

func (f *flaky) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	resp := new(dns.Msg)
	resp.SetReply(req)
	resp.Authoritative = true
	q := req.Question[0]
	f.mu.Lock()
	defer f.mu.Unlock()
	switch q.Name {
	case "flaky.test.":
		if q.Qtype != dns.TypeA {
			break
		}
		f.asked++
		if f.asked <= f.fails {
			resp.Rcode = dns.RcodeServerFailure
			break
		}
		resp.Answer = append(resp.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
			A: netip.MustParseAddr("127.0.0.7").AsSlice()})
	case "gone.test.", "www.gone.test.":
		resp.Rcode = dns.RcodeNameError
	}
	w.WriteMsg(resp)
}

// TestWebAddressAsksAgain: a lookup that fails is asked again, for the
// audit would ask in its turn and connect without a slot; a name without
// address is not; a failure that lasts is returned.
func TestWebAddressAsksAgain(t *testing.T) {
	for _, tc := range []struct {
		name   string
		domain string
		fails  int
		want   string
		err    bool
		asked  int
	}{
		{"one failure", "flaky.test", 1, "127.0.0.7", false, 2},
		{"two failures", "flaky.test", lookupTries - 1, "127.0.0.7", false, lookupTries},
		{"a failure that lasts", "flaky.test", 100, "invalid IP", true, lookupTries},
		{"no such domain", "gone.test", 0, "invalid IP", false, 0},
		{"no address", "bare.test", 0, "invalid IP", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &flaky{fails: tc.fails}
			addr, stop, err := dnstest.Listen("127.0.0.1:0", f)
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			r := &runner{engine: engine.Config{Resolver: addr, Timeout: 5 * time.Second}}
			r.hosts = engine.NewHostCache(r.engine)
			got, err := r.webAddress(t.Context(), tc.domain)
			if got.String() != tc.want || (err != nil) != tc.err {
				t.Errorf("webAddress(%s) = %v, %v; want %s, error %v", tc.domain, got, err, tc.want, tc.err)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.asked != tc.asked {
				t.Errorf("flaky.test asked %d times, want %d", f.asked, tc.asked)
			}
		})
	}
}
