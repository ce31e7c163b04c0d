package dnstest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/dnstest"
)

const zones = `
	test.             3600 IN SOA ns.test. hostmaster.test. (
	                          1 7200 3600 1209600 300 )
	test.             3600 IN NS  ns.test.
	ns.test.          3600 IN A   192.0.2.251
	example.test.     300  IN SOA ns1.example.test. hostmaster.example.test. 7 7200 3600 1209600 300
	example.test.     300  IN NS  ns1.example.test.
	ns1.example.test. 300  IN A   192.0.2.53
	example.test.     300  IN A   192.0.2.1
	www.example.test. 300  IN CNAME example.test.
	a.b.example.test. 300  IN TXT "deep"
	away.test.        3600 IN NS  ns.away.test.
	ns.away.test.     3600 IN A   192.0.2.99
`

// summary is a response in a few words: its flags, rcode and the type
// and owner of each record, section by section.
func summary(m *dns.Msg) string {
	var b strings.Builder
	if m.Authoritative {
		b.WriteString("aa ")
	}
	if m.Truncated {
		b.WriteString("tc ")
	}
	b.WriteString(dns.RcodeToString[m.Rcode])
	for _, sec := range [][]dns.RR{m.Answer, m.Ns, m.Extra} {
		b.WriteString(" |")
		for _, rr := range sec {
			if rr.Header().Rrtype == dns.TypeOPT {
				continue
			}
			b.WriteString(" " + dns.TypeToString[rr.Header().Rrtype] + ":" + rr.Header().Name)
		}
	}
	return b.String()
}

func ask(t *testing.T, addr, network, name string, qtype uint16, do bool) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	if do {
		m.SetEdns0(4096, true)
	}
	c := &dns.Client{Net: network}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s %s: %v", name, dns.TypeToString[qtype], err)
	}
	return r
}

func TestAnswers(t *testing.T) {
	plain := dnstest.NewServer(t, zones)
	signed := dnstest.NewServer(t, zones, dnstest.Signed(), dnstest.Unsigned("test."))
	tests := []struct {
		srv   *dnstest.Server
		name  string
		qtype uint16
		do    bool
		want  string
	}{
		{plain, "example.test.", dns.TypeA, false, "aa NOERROR | A:example.test. | |"},
		{plain, "WWW.example.test.", dns.TypeA, false, "aa NOERROR | CNAME:www.example.test. A:example.test. | |"},
		{plain, "example.test.", dns.TypeTXT, false, "aa NOERROR | | SOA:example.test. |"},
		{plain, "nope.example.test.", dns.TypeA, false, "aa NXDOMAIN | | SOA:example.test. |"},
		{plain, "b.example.test.", dns.TypeA, false, "aa NOERROR | | SOA:example.test. |"},
		{plain, "test.", dns.TypeSOA, false, "aa NOERROR | SOA:test. | |"},
		{plain, "example.test.", dns.TypeNS, false, "aa NOERROR | NS:example.test. | |"},
		{plain, "example.test.", dns.TypeDS, false, "aa NOERROR | | SOA:test. |"},
		{plain, "x.away.test.", dns.TypeA, false, "NOERROR | | NS:away.test. | A:ns.away.test."},
		{plain, "example.org.", dns.TypeA, false, "REFUSED | | |"},
		{signed, "example.test.", dns.TypeDS, true, "aa NOERROR | DS:example.test. | |"}, // test. is unsigned
		{signed, "example.test.", dns.TypeDNSKEY, true, "aa NOERROR | DNSKEY:example.test. RRSIG:example.test. | |"},
		{signed, "example.test.", dns.TypeA, true, "aa NOERROR | A:example.test. RRSIG:example.test. | |"},
		{signed, "example.test.", dns.TypeA, false, "aa NOERROR | A:example.test. | |"},
		{signed, "example.test.", dns.TypeTXT, true, "aa NOERROR | | SOA:example.test. RRSIG:example.test. NSEC:example.test. RRSIG:example.test. |"},
		{signed, "c.example.test.", dns.TypeA, true, "aa NXDOMAIN | | SOA:example.test. RRSIG:example.test. NSEC:a.b.example.test. RRSIG:a.b.example.test. NSEC:example.test. RRSIG:example.test. |"},
	}
	for _, tc := range tests {
		got := summary(ask(t, tc.srv.Addr, "udp", tc.name, tc.qtype, tc.do))
		if got != tc.want {
			t.Errorf("%s %s (DO %v):\n got %s\nwant %s", tc.name, dns.TypeToString[tc.qtype], tc.do, got, tc.want)
		}
	}
}

func TestSignedDelegation(t *testing.T) {
	srv := dnstest.NewServer(t, ". 3600 IN SOA ns.root. h.root. 1 2 3 4 5\n"+zones, dnstest.Signed())
	r := ask(t, srv.Addr, "udp", "example.test.", dns.TypeDS, true)
	if got, want := summary(r), "aa NOERROR | DS:example.test. RRSIG:example.test. | |"; got != want {
		t.Fatalf("DS example.test.: got %s, want %s", got, want)
	}
	ds := r.Answer[0].(*dns.DS)
	if want := srv.DNSKEY("example.test.").ToDS(dns.SHA256); ds.Digest != want.Digest {
		t.Errorf("DS digest %s, want %s", ds.Digest, want.Digest)
	}
	if sig := r.Answer[1].(*dns.RRSIG); sig.SignerName != "test." || sig.Verify(srv.DNSKEY("test."), r.Answer[:1]) != nil {
		t.Errorf("DS signature %v does not verify with the key of test.", sig)
	}
	anchors := srv.Anchors()
	if len(anchors) != 1 || anchors[0].(*dns.DS).KeyTag != srv.DNSKEY(".").KeyTag() {
		t.Errorf("Anchors() = %v, want the DS of the root key", anchors)
	}
}

func TestTruncation(t *testing.T) {
	var big strings.Builder
	big.WriteString(zones)
	for i := range 20 {
		fmt.Fprintf(&big, "example.test. 300 IN TXT \"%02d%s\"\n", i, strings.Repeat("y", 100))
		fmt.Fprintf(&big, "example.test. 300 IN TXT \"%02d%s\"\n", i, strings.Repeat("y", 100)) // a duplicate
	}
	srv := dnstest.NewServer(t, big.String())
	if r := ask(t, srv.Addr, "udp", "example.test.", dns.TypeTXT, false); !r.Truncated {
		t.Errorf("UDP answer of %d records without EDNS not truncated", len(r.Answer))
	}
	if r := ask(t, srv.Addr, "tcp", "example.test.", dns.TypeTXT, false); r.Truncated || len(r.Answer) != 20 {
		t.Errorf("TCP answer: truncated %v, %d records; want 20 (duplicates merged)", r.Truncated, len(r.Answer))
	}
	forced := dnstest.NewServer(t, zones, dnstest.Truncated())
	if got, want := summary(ask(t, forced.Addr, "udp", "example.test.", dns.TypeA, true)), "aa tc NOERROR | | |"; got != want {
		t.Errorf("forced truncation: got %s, want %s", got, want)
	}
	if got, want := summary(ask(t, forced.Addr, "tcp", "example.test.", dns.TypeA, true)), "aa NOERROR | A:example.test. | |"; got != want {
		t.Errorf("forced truncation over TCP: got %s, want %s", got, want)
	}
	udp, tcp := forced.Queries()
	if diff := cmp.Diff([2]int{1, 1}, [2]int{udp, tcp}); diff != "" {
		t.Errorf("queries (udp, tcp) mismatch (-want +got):\n%s", diff)
	}
}
