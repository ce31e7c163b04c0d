package dnsprobe_test

import (
	"context"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/dnstest"
)

// answerZones adds to the lab an alias into another zone, a zone whose
// DS names an algorithm vigie cannot verify (Ed448), and a wildcard.
const answerZones = `
	alias.example.test.   300  IN CNAME www.bad.test.
	bad.test.             3600 IN SOA ns.test. hostmaster.test. 1 7200 3600 1209600 300
	bad.test.             3600 IN NS  ns.test.
	www.bad.test.         300  IN A   192.0.2.8
	ed.test.              3600 IN NS  ns.test.
	ed.test.              3600 IN DS  12345 16 2 0000000000000000000000000000000000000000000000000000000000000000
	*.wild.example.test.  300  IN TXT "wild"
`

// stripProofs drops the NSEC records (and their RRSIGs) from the
// authority section of the answers to the questions f selects.
func stripProofs(f func(q dns.Question) bool) dnstest.Option {
	return dnstest.Modify(func(req, resp *dns.Msg) {
		if !f(req.Question[0]) {
			return
		}
		var ns []dns.RR
		for _, rr := range resp.Ns {
			if rr.Header().Rrtype == dns.TypeNSEC {
				continue
			}
			if sig, ok := rr.(*dns.RRSIG); ok && sig.TypeCovered == dns.TypeNSEC {
				continue
			}
			ns = append(ns, rr)
		}
		resp.Ns = ns
	})
}

func question(name string, qtype uint16) func(q dns.Question) bool {
	return func(q dns.Question) bool { return strings.EqualFold(q.Name, name) && q.Qtype == qtype }
}

// TestValidatedAnswers checks that the answer itself is validated: the
// RRset, the CNAME chain into another zone, the NSEC proofs of NODATA
// and NXDOMAIN answers; and that a server that does not answer makes the
// status indeterminate, not bogus.
func TestValidatedAnswers(t *testing.T) {
	tests := []struct {
		name   string
		opts   []dnstest.Option
		qname  string
		qtype  uint16
		status string
		reason string // a part of it
	}{
		{"positive", nil, "sub.example.test", dns.TypeA, "secure", "chain of trust verified"},
		{"NODATA with its NSEC", nil, "sub.example.test", dns.TypeTXT, "secure", "chain of trust verified"},
		{"NXDOMAIN with its NSECs", nil, "nowhere.example.test", dns.TypeTLSA, "secure", "chain of trust verified"},
		// dnstest does not expand wildcards: it denies a name that
		// *.wild.example.test would make.
		{"NXDOMAIN hiding a wildcard", nil, "a.wild.example.test", dns.TypeTXT, "bogus",
			"no NSEC proves there is no wildcard *.wild.example.test"},
		{"answer times out", []dnstest.Option{dnstest.Unanswered(question("sub.example.test.", dns.TypeA))}, "sub.example.test", dns.TypeA, "indeterminate",
			"A sub.example.test: i/o timeout"},
		{"SERVFAIL", []dnstest.Option{dnstest.Modify(func(req, resp *dns.Msg) {
			if question("sub.example.test.", dns.TypeA)(req.Question[0]) {
				resp.Rcode, resp.Answer, resp.Ns = dns.RcodeServerFailure, nil, nil
			}
		})}, "sub.example.test", dns.TypeA, "indeterminate", "A sub.example.test: server answered SERVFAIL"},
		{"DS with an algorithm vigie cannot verify", nil, "ed.test", dns.TypeSOA, "insecure", "every DS of ed.test uses an algorithm or digest type vigie cannot validate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := append([]dnstest.Option{dnstest.Signed(), dnstest.SigningTime(signingTime)}, tc.opts...)
			srv := dnstest.NewServer(t, lab+answerZones, opts...)
			p := newProber(t, srv, nil)
			got := p.Validate(context.Background(), tc.qname, tc.qtype)
			if got.Status != tc.status || !strings.Contains(got.Reason, tc.reason) {
				t.Errorf("%s/%s: %s (%s); want %s, reason with %q", tc.qname, dns.TypeToString[tc.qtype], got.Status, got.Reason, tc.status, tc.reason)
			}
			if tc.qtype == dns.TypeA && tc.qname != "alias.example.test" {
				// The domain's status, in a probe, is the same.
				if obs := p.Probe(context.Background(), tc.qname).DNSSEC; obs.Status != tc.status {
					t.Errorf("probe of %s: %s (%s), want %s", tc.qname, obs.Status, obs.Reason, tc.status)
				}
			}
		})
	}
}

// TestUnsupportedAlgorithm checks that an algorithm vigie cannot verify is
// recorded as vigie's limit.
func TestUnsupportedAlgorithm(t *testing.T) {
	srv := dnstest.NewServer(t, lab+answerZones, dnstest.Signed(), dnstest.SigningTime(signingTime))
	got := newProber(t, srv, nil).Probe(context.Background(), "ed.test").DNSSEC
	if got.Status != audit.DNSSECInsecure || len(got.Unsupported) != 1 || got.Unsupported[0] != "DS algorithm 16 (ED448)" {
		t.Errorf("status %s (%s), unsupported %q; want insecure, [DS algorithm 16 (ED448)]", got.Status, got.Reason, got.Unsupported)
	}
}
