package dnstest_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

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
	ns.away.test.     3600 IN AAAA 2001:db8::99
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
		{plain, "x.away.test.", dns.TypeA, false, "NOERROR | | NS:away.test. | A:ns.away.test. AAAA:ns.away.test."},
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

// TestAuthorityFromRecords builds an authority from records, as the lab
// does, and serves it with Listen: the parent gets the child's NS set as
// its delegation, and the child's DS.
func TestAuthorityFromRecords(t *testing.T) {
	rrs, err := dnstest.ParseZones(`
		test.      3600 IN SOA ns.test. h.test. 1 2 3 4 5
		ns.test.   3600 IN A   127.0.0.1
		child.test. 300 IN SOA ns.test. h.test. 1 2 3 4 5
		child.test. 300 IN NS  ns.test.
		child.test. 300 IN A   127.0.0.1
	`)
	if err != nil {
		t.Fatal(err)
	}
	a, err := dnstest.NewAuthority(context.Background(), rrs, dnstest.Signed())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := dnstest.Listen("192.0.2.1:0", a); err == nil {
		t.Errorf("Listen on 192.0.2.1: no error, want a refusal off loopback")
	}
	addr, stop, err := dnstest.Listen("127.0.0.1:0", a)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	if got, want := summary(ask(t, addr, "udp", "child.test.", dns.TypeDS, true)),
		"aa NOERROR | DS:child.test. RRSIG:child.test. | |"; got != want {
		t.Errorf("DS child.test.:\n got %s\nwant %s", got, want)
	}
	// The NSEC of child.test. in test. says that the parent delegates.
	r := ask(t, addr, "udp", "nope.test.", dns.TypeA, true)
	var bitmap []uint16
	for _, rr := range r.Ns {
		if n, ok := rr.(*dns.NSEC); ok && n.Header().Name == "child.test." {
			bitmap = n.TypeBitMap
		}
	}
	if got, want := fmt.Sprint(bitmap), fmt.Sprint([]uint16{dns.TypeNS, dns.TypeDS, dns.TypeRRSIG, dns.TypeNSEC}); got != want {
		t.Errorf("NSEC child.test. in test.: types %s, want %s", got, want)
	}
	if _, err := dnstest.NewAuthority(context.Background(), rrs[1:2]); err == nil {
		t.Errorf("NewAuthority without SOA: no error")
	}
	m := new(dns.Msg)
	m.SetQuestion("child.test.", dns.TypeA)
	m.Opcode = dns.OpcodeStatus
	r, err = dns.Exchange(m, addr)
	if err != nil {
		t.Fatal(err)
	}
	if r.Rcode != dns.RcodeNotImplemented {
		t.Errorf("STATUS query: rcode %s, want NOTIMP", dns.RcodeToString[r.Rcode])
	}
}

// TestSharedRSAKey: zones signed with one RSA algorithm share a key, but
// the DS of WrongDS is for another key.
func TestSharedRSAKey(t *testing.T) {
	z := ". 3600 IN SOA ns.root. h.root. 1 2 3 4 5\n" + zones + "other.test. 300 IN SOA ns.test. h.test. 1 2 3 4 5\nother.test. 300 IN NS ns.test.\n"
	srv := dnstest.NewServer(t, z, dnstest.Algorithm("example.test.", dns.RSASHA1), dnstest.Algorithm("other.test.", dns.RSASHA1),
		dnstest.WrongDS("other.test."))
	a, b := srv.DNSKEY("example.test."), srv.DNSKEY("other.test.")
	if a == nil || b == nil || a.Algorithm != dns.RSASHA1 || a.PublicKey != b.PublicKey {
		t.Fatalf("keys %v and %v: want one RSASHA1 key for both", a, b)
	}
	if a.Header().Name != "example.test." || b.Header().Name != "other.test." {
		t.Errorf("owners %s and %s", a.Header().Name, b.Header().Name)
	}
	if bits := rsaBits(t, a); bits != 1024 {
		t.Errorf("RSASHA1 key of %d bits, want 1024", bits)
	}
	big := dnstest.NewServer(t, z, dnstest.Algorithm("example.test.", dns.RSASHA1), dnstest.KeySize("example.test.", 2048),
		dnstest.Algorithm("other.test.", dns.RSASHA1))
	if a, b := big.DNSKEY("example.test."), big.DNSKEY("other.test."); rsaBits(t, a) != 2048 || rsaBits(t, b) != 1024 {
		t.Errorf("KeySize 2048 for example.test. only: keys of %d and %d bits", rsaBits(t, a), rsaBits(t, b))
	}
	r := ask(t, srv.Addr, "udp", "example.test.", dns.TypeDNSKEY, true)
	if len(r.Answer) != 2 || r.Answer[1].(*dns.RRSIG).Verify(a, r.Answer[:1]) != nil {
		t.Errorf("DNSKEY example.test.: %v, want a key signed by itself", r.Answer)
	}
	r = ask(t, srv.Addr, "udp", "other.test.", dns.TypeDS, true)
	if len(r.Answer) == 0 || r.Answer[0].(*dns.DS).Digest == b.ToDS(dns.SHA256).Digest {
		t.Errorf("DS other.test. %v: want the DS of another key", r.Answer)
	}
}

func TestValidity(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	srv := dnstest.NewServer(t, zones, dnstest.Signed(), dnstest.SigningTime(at), dnstest.Validity(90*24*time.Hour))
	r := ask(t, srv.Addr, "udp", "example.test.", dns.TypeA, true)
	sig, ok := r.Answer[len(r.Answer)-1].(*dns.RRSIG)
	if !ok {
		t.Fatalf("answer %v: no RRSIG", r.Answer)
	}
	if got, want := time.Unix(int64(sig.Expiration), 0).UTC(), at.Add(90*24*time.Hour); !got.Equal(want) {
		t.Errorf("expiration %v, want %v", got, want)
	}
}

// rsaBits is the size of an RSA DNSKEY's modulus (RFC 3110 section 2).
func rsaBits(t *testing.T, k *dns.DNSKEY) int {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(k.PublicKey)
	if err != nil || len(b) < 3 {
		t.Fatalf("key %q: %v", k.PublicKey, err)
	}
	explen, b := int(b[0]), b[1:]
	if explen == 0 {
		explen, b = int(b[0])<<8|int(b[1]), b[2:]
	}
	return (len(b) - explen) * 8
}

// TestKeyTrap: a KeyTrap zone publishes keys that share its key's tag and
// algorithm, and RRSIGs that fail before the one that verifies.
func TestKeyTrap(t *testing.T) {
	srv := dnstest.NewServer(t, `
		.            300 IN SOA ns. h. 1 7200 3600 1209600 300
		trap.test.   300 IN SOA ns.trap.test. h.trap.test. 1 7200 3600 1209600 300
		trap.test.   300 IN A   127.0.0.1
	`, dnstest.Signed(), dnstest.KeyTrap("trap.test", 20, 3))
	real := srv.DNSKEY("trap.test.")
	keys := ask(t, srv.Addr, "tcp", "trap.test.", dns.TypeDNSKEY, true)
	var n int
	for _, rr := range keys.Answer {
		if k, ok := rr.(*dns.DNSKEY); ok {
			n++
			if k.KeyTag() != real.KeyTag() || k.Algorithm != real.Algorithm {
				t.Errorf("key %d/%d, want the tag and algorithm of the real key %d/%d", k.KeyTag(), k.Algorithm, real.KeyTag(), real.Algorithm)
			}
		}
	}
	if n != 21 {
		t.Errorf("%d keys, want 21 (the real one and 20 colliding)", n)
	}
	a := ask(t, srv.Addr, "tcp", "trap.test.", dns.TypeA, true)
	var rrset []dns.RR
	var sigs []*dns.RRSIG
	for _, rr := range a.Answer {
		if s, ok := rr.(*dns.RRSIG); ok {
			sigs = append(sigs, s)
		} else {
			rrset = append(rrset, rr)
		}
	}
	if len(sigs) != 4 {
		t.Fatalf("%d RRSIGs over the A set, want 4 (3 failing, then the good one)", len(sigs))
	}
	for i, s := range sigs {
		err := s.Verify(real, rrset)
		if good := i == len(sigs)-1; (err == nil) != good {
			t.Errorf("RRSIG %d verifies: %v, want %v", i, err == nil, good)
		}
	}
}
