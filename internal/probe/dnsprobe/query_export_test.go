package dnsprobe_test

import (
	"testing"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/dnstest"
)

const tlsaZone = `
	_25._tcp.mx.example.test. 300 IN TLSA 3 1 1 0000000000000000000000000000000000000000000000000000000000000000
	alias.example.test.       300 IN CNAME example.test.
	mx.example.test.          300 IN A 192.0.2.25
`

func TestQuery(t *testing.T) {
	srv := dnstest.NewServer(t, lab+tlsaZone)
	p := newProber(t, srv, nil)
	for _, tc := range []struct {
		name    string
		qtype   uint16
		records int
		rcode   int
	}{
		{"_25._tcp.mx.example.test", dns.TypeTLSA, 1, dns.RcodeSuccess},
		{"alias.example.test", dns.TypeTXT, 2, dns.RcodeSuccess},
		{"mx.example.test", dns.TypeTXT, 0, dns.RcodeSuccess},
		{"nowhere.example.test", dns.TypeTXT, 0, dns.RcodeNameError},
	} {
		rrs, rcode, err := p.Query(t.Context(), tc.name, tc.qtype)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(rrs) != tc.records || rcode != tc.rcode {
			t.Errorf("%s: %d records, rcode %d; want %d, %d", tc.name, len(rrs), rcode, tc.records, tc.rcode)
		}
	}
}

func TestQueryValidated(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []dnstest.Option
		want string
	}{
		{"signed", []dnstest.Option{dnstest.Signed()}, audit.DNSSECSecure},
		{"unsigned", []dnstest.Option{dnstest.Signed(), dnstest.Unsigned("example.test.")}, audit.DNSSECInsecure},
		{"broken", []dnstest.Option{dnstest.Signed(), dnstest.BrokenSignatures("example.test.")}, audit.DNSSECBogus},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := dnstest.NewServer(t, lab+tlsaZone, append(tc.opts, dnstest.SigningTime(signingTime))...)
			p := newProber(t, srv, nil)
			rrs, _, status, reason, err := p.QueryValidated(t.Context(), "_25._tcp.mx.example.test", dns.TypeTLSA)
			if err != nil {
				t.Fatal(err)
			}
			if len(rrs) != 1 || status != tc.want {
				t.Errorf("%d records, status %s (%s); want 1, %s", len(rrs), status, reason, tc.want)
			}
		})
	}
}
