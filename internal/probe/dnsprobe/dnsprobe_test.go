package dnsprobe_test

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/dnstest"
	"vigie.eu/vigie/internal/probe"
	"vigie.eu/vigie/internal/probe/dnsprobe"
)

// lab is a small tree of zones: the root, test. and example.test., served
// by one authoritative server as the lab's knot does.
const lab = `
	.                 3600 IN SOA ns.root. hostmaster.root. 1 7200 3600 1209600 300
	.                 3600 IN NS  ns.root.
	ns.root.          3600 IN A   192.0.2.250
	test.             3600 IN SOA ns.test. hostmaster.test. 1 7200 3600 1209600 300
	test.             3600 IN NS  ns.test.
	ns.test.          3600 IN A   192.0.2.251
	example.test.     300  IN SOA ns1.example.test. hostmaster.example.test. 2025010101 7200 3600 1209600 300
	example.test.     300  IN NS  ns1.example.test.
	example.test.     300  IN NS  ns2.example.test.
	ns1.example.test. 300  IN A   192.0.2.53
	ns2.example.test. 300  IN A   192.0.2.54
	ns2.example.test. 300  IN AAAA 2001:db8::54
	example.test.     300  IN A   192.0.2.1
	example.test.     300  IN AAAA 2001:db8::1
	example.test.     300  IN TXT "v=spf1 " "-all"
	example.test.     300  IN TXT "google-site-verification=abc"
	example.test.     300  IN CAA 0 issue "letsencrypt.org"
	example.test.     300  IN HTTPS 1 . alpn=h2
	www.example.test. 300  IN CNAME example.test.
	sub.example.test. 300  IN A   192.0.2.7
	away.test.        3600 IN NS  ns.away.test.
	away.test.        3600 IN DS  12345 13 2 0000000000000000000000000000000000000000000000000000000000000000
	ns.away.test.     3600 IN A   192.0.2.99
`

// LookupNetIP is what the other probes use to resolve names.
var _ probe.LookupFunc = new(dnsprobe.Prober).LookupNetIP

// signingTime is when the test zones are signed, and when they are
// validated.
var signingTime = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func newProber(t *testing.T, srv *dnstest.Server, anchors []dns.RR) *dnsprobe.Prober {
	t.Helper()
	if anchors == nil {
		anchors = srv.Anchors()
	}
	if anchors == nil {
		anchors = []dns.RR{&dns.DS{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeDS, Class: dns.ClassINET}, KeyTag: 1, Algorithm: 13, DigestType: 2, Digest: strings.Repeat("00", 32)}}
	}
	p, err := dnsprobe.New(dnsprobe.Config{
		Server:     srv.Addr,
		Anchors:    anchors,
		AnchorName: "lab",
		Timeout:    time.Second,
		Now:        func() time.Time { return signingTime },
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProbeRecords(t *testing.T) {
	srv := dnstest.NewServer(t, lab+`
		other.test.      300 IN SOA ns.other.test. h.other.test. 1 7200 3600 1209600 300
		other.test.      300 IN NS  ns.other.test.
		www.other.test.  300 IN CNAME web.example.test.
		web.example.test. 300 IN A 192.0.2.80
		loop.test.       300 IN SOA ns.loop.test. h.loop.test. 1 7200 3600 1209600 300
		www.loop.test.   300 IN CNAME a.loop.test.
		a.loop.test.     300 IN CNAME www.loop.test.
	`)
	p := newProber(t, srv, nil)
	ns := []audit.NameServer{
		{Name: "ns1.example.test", IPv4: []string{"192.0.2.53"}},
		{Name: "ns2.example.test", IPv4: []string{"192.0.2.54"}, IPv6: []string{"2001:db8::54"}},
	}
	soa := &audit.SOARecord{Zone: "example.test", MName: "ns1.example.test", RName: "hostmaster.example.test",
		Serial: 2025010101, Refresh: 7200, Retry: 3600, Expire: 1209600, Minimum: 300}
	tests := []struct {
		name   string
		domain string
		want   audit.DNSObservation
	}{{
		name:   "apex",
		domain: "Example.TEST.",
		want: audit.DNSObservation{
			Resolver: srv.Addr, Exists: true,
			A: []string{"192.0.2.1"}, AAAA: []string{"2001:db8::1"},
			NS: ns, SOA: soa,
			CAA:       []audit.CAARecord{{Flag: 0, Tag: "issue", Value: "letsencrypt.org"}},
			CAADomain: "example.test",
			TXT:       []string{"google-site-verification=abc", "v=spf1 -all"},
			HTTPS:     []string{"1 . alpn=\"h2\""},
			WWW:       &audit.HostAddresses{Name: "www.example.test", IPv4: []string{"192.0.2.1"}, IPv6: []string{"2001:db8::1"}, CNAME: "example.test"},
		},
	}, {
		name:   "below the apex, CAA from the parent",
		domain: "sub.example.test",
		want: audit.DNSObservation{
			Resolver: srv.Addr, Exists: true,
			A: []string{"192.0.2.7"}, SOA: soa,
			CAA:       []audit.CAARecord{{Flag: 0, Tag: "issue", Value: "letsencrypt.org"}},
			CAADomain: "example.test",
			WWW:       &audit.HostAddresses{Name: "www.sub.example.test", Error: "dnsprobe: A www.sub.example.test: no such host"},
		},
	}, {
		name:   "www is a CNAME into another zone",
		domain: "other.test",
		want: audit.DNSObservation{
			Resolver: srv.Addr, Exists: true,
			NS: []audit.NameServer{{Name: "ns.other.test", Error: "dnsprobe: A ns.other.test: no such host"}},
			SOA: &audit.SOARecord{Zone: "other.test", MName: "ns.other.test", RName: "h.other.test",
				Serial: 1, Refresh: 7200, Retry: 3600, Expire: 1209600, Minimum: 300},
			WWW: &audit.HostAddresses{Name: "www.other.test", IPv4: []string{"192.0.2.80"}, CNAME: "web.example.test"},
		},
	}, {
		name:   "www is a CNAME loop",
		domain: "loop.test",
		want: audit.DNSObservation{
			Resolver: srv.Addr, Exists: true,
			SOA: &audit.SOARecord{Zone: "loop.test", MName: "ns.loop.test", RName: "h.loop.test",
				Serial: 1, Refresh: 7200, Retry: 3600, Expire: 1209600, Minimum: 300},
			WWW: &audit.HostAddresses{Name: "www.loop.test", Error: "dnsprobe: A www.loop.test: CNAME loop at www.loop.test"},
		},
	}, {
		name:   "no such domain",
		domain: "missing.example.test",
		want: audit.DNSObservation{
			Resolver: srv.Addr, Exists: false, SOA: soa,
			CAA:       []audit.CAARecord{{Flag: 0, Tag: "issue", Value: "letsencrypt.org"}},
			CAADomain: "example.test",
			WWW:       &audit.HostAddresses{Name: "www.missing.example.test", Error: "dnsprobe: A www.missing.example.test: no such host"},
		},
	}, {
		name:   "invalid name",
		domain: "exa mple..test",
		want:   audit.DNSObservation{Resolver: srv.Addr, Exists: true, Error: `dnsprobe: invalid domain name "exa mple..test"`},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := p.Probe(context.Background(), tc.domain)
			for _, q := range got.Queries {
				if q.Error != "" {
					t.Errorf("query %s %s: %s", q.Name, q.Type, q.Error)
				}
			}
			got.Queries, got.DNSSEC = nil, nil
			if diff := cmp.Diff(&tc.want, got); diff != "" {
				t.Errorf("Probe(%q) mismatch (-want +got):\n%s", tc.domain, diff)
			}
		})
	}
}

func TestProbeQueriesRecorded(t *testing.T) {
	srv := dnstest.NewServer(t, lab)
	got := newProber(t, srv, nil).Probe(context.Background(), "example.test")
	asked := map[string]audit.DNSQuery{}
	for _, q := range got.Queries {
		key := q.Name + "/" + q.Type
		if _, dup := asked[key]; dup {
			t.Errorf("%s asked twice", key)
		}
		asked[key] = q
	}
	for _, want := range []audit.DNSQuery{
		{Name: "example.test", Type: "A", Rcode: "NOERROR", Answers: 1},
		{Name: "example.test", Type: "NS", Rcode: "NOERROR", Answers: 2},
		{Name: "example.test", Type: "TXT", Rcode: "NOERROR", Answers: 2},
		{Name: "example.test", Type: "DS", Rcode: "NOERROR", Answers: 0},
		{Name: "example.test", Type: "HTTPS", Rcode: "NOERROR", Answers: 1},
		{Name: "www.example.test", Type: "AAAA", Rcode: "NOERROR", Answers: 1},
		{Name: "ns2.example.test", Type: "AAAA", Rcode: "NOERROR", Answers: 1},
		{Name: "ns1.example.test", Type: "AAAA", Rcode: "NOERROR", Answers: 0},
	} {
		got, ok := asked[want.Name+"/"+want.Type]
		got.RTTMS = 0
		if !ok || got != want {
			t.Errorf("query %s/%s = %+v, want %+v", want.Name, want.Type, got, want)
		}
	}
}

func TestDNSSEC(t *testing.T) {
	secureChain := []audit.DNSSECZone{
		{Zone: ".", Status: "secure", DNSKEY: true},
		{Zone: "test", Status: "secure", DS: true, DNSKEY: true},
		{Zone: "example.test", Status: "secure", DS: true, DNSKEY: true},
	}
	tests := []struct {
		name       string
		opts       []dnstest.Option
		domain     string
		otherTrust bool // use the anchor of another server
		status     string
		reason     string // prefix
		chain      []audit.DNSSECZone
		algorithms []uint8
		bits       int // of the domain's DNSKEY
	}{{
		name:       "secure",
		opts:       []dnstest.Option{dnstest.Signed()},
		domain:     "example.test",
		status:     "secure",
		reason:     "chain of trust verified from lab KSK",
		chain:      secureChain,
		algorithms: []uint8{13},
		bits:       256,
	}, {
		name:       "secure below the apex, through a CNAME",
		opts:       []dnstest.Option{dnstest.Signed()},
		domain:     "www.example.test",
		status:     "secure",
		reason:     "chain of trust verified",
		chain:      secureChain,
		algorithms: []uint8{13},
	}, {
		name:       "secure name that does not exist",
		opts:       []dnstest.Option{dnstest.Signed()},
		domain:     "nowhere.example.test",
		status:     "secure",
		reason:     "chain of trust verified",
		chain:      secureChain,
		algorithms: []uint8{13},
	}, {
		name:   "zone delegated to servers not asked",
		opts:   []dnstest.Option{dnstest.Signed()},
		domain: "www.away.test",
		status: "indeterminate",
		reason: "DNSKEY of away.test: the server does not serve away.test",
		chain: []audit.DNSSECZone{
			{Zone: ".", Status: "secure", DNSKEY: true},
			{Zone: "test", Status: "secure", DS: true, DNSKEY: true},
			{Zone: "away.test", Status: "indeterminate", DS: true},
		},
	}, {
		name:   "unsigned child zone",
		opts:   []dnstest.Option{dnstest.Signed(), dnstest.Unsigned("example.test")},
		domain: "example.test",
		status: "insecure",
		reason: "no DS for example.test in test",
		chain: []audit.DNSSECZone{
			{Zone: ".", Status: "secure", DNSKEY: true},
			{Zone: "test", Status: "secure", DS: true, DNSKEY: true},
			{Zone: "example.test", Status: "insecure"},
		},
	}, {
		name:   "unsigned zone under an unsigned zone",
		opts:   []dnstest.Option{dnstest.Signed(), dnstest.Unsigned("test"), dnstest.Unsigned("example.test")},
		domain: "www.example.test",
		status: "insecure",
		reason: "no DS for test in .",
		chain: []audit.DNSSECZone{
			{Zone: ".", Status: "secure", DNSKEY: true},
			{Zone: "test", Status: "insecure"},
			{Zone: "example.test", Status: "insecure"},
		},
	}, {
		name: "absence of DS not proven",
		opts: []dnstest.Option{dnstest.Signed(), dnstest.Unsigned("example.test"), dnstest.Modify(func(req, resp *dns.Msg) {
			if req.Question[0].Qtype == dns.TypeDS {
				var ns []dns.RR
				for _, rr := range resp.Ns {
					if t := rr.Header().Rrtype; t != dns.TypeNSEC && t != dns.TypeRRSIG {
						ns = append(ns, rr)
					}
				}
				resp.Ns = ns
			}
		})},
		domain: "example.test",
		status: "bogus",
		reason: "no DS for example.test and no signed NSEC or NSEC3 from test proving there is none",
		chain: []audit.DNSSECZone{
			{Zone: ".", Status: "secure", DNSKEY: true},
			{Zone: "test", Status: "secure", DS: true, DNSKEY: true},
			{Zone: "example.test", Status: "bogus"},
		},
	}, {
		name:   "expired signatures",
		opts:   []dnstest.Option{dnstest.Signed(), dnstest.ExpiredSignatures("example.test")},
		domain: "example.test",
		status: "bogus",
		reason: "DNSKEY set of example.test: RRSIG by key",
		chain: []audit.DNSSECZone{
			{Zone: ".", Status: "secure", DNSKEY: true},
			{Zone: "test", Status: "secure", DS: true, DNSKEY: true},
			{Zone: "example.test", Status: "bogus", DS: true, DNSKEY: true},
		},
		algorithms: []uint8{13},
	}, {
		name:   "broken signatures",
		opts:   []dnstest.Option{dnstest.Signed(), dnstest.BrokenSignatures("test")},
		domain: "example.test",
		status: "bogus",
		reason: "DNSKEY set of test: RRSIG by key",
		chain: []audit.DNSSECZone{
			{Zone: ".", Status: "secure", DNSKEY: true},
			{Zone: "test", Status: "bogus", DS: true, DNSKEY: true},
			{Zone: "example.test", Status: "bogus", DS: true, DNSKEY: true},
		},
		algorithms: []uint8{13},
	}, {
		name:   "DS does not match the key",
		opts:   []dnstest.Option{dnstest.Signed(), dnstest.WrongDS("example.test")},
		domain: "example.test",
		status: "bogus",
		reason: "no DNSKEY of example.test matches its DS in test (key tags ",
		chain: []audit.DNSSECZone{
			{Zone: ".", Status: "secure", DNSKEY: true},
			{Zone: "test", Status: "secure", DS: true, DNSKEY: true},
			{Zone: "example.test", Status: "bogus", DS: true, DNSKEY: true},
		},
		algorithms: []uint8{13},
	}, {
		name:       "wrong trust anchor",
		opts:       []dnstest.Option{dnstest.Signed()},
		otherTrust: true,
		domain:     "example.test",
		status:     "bogus",
		reason:     "no DNSKEY of . matches the trust anchor (lab)",
		chain: []audit.DNSSECZone{
			{Zone: ".", Status: "bogus", DNSKEY: true},
			{Zone: "test", Status: "bogus", DS: true, DNSKEY: true},
			{Zone: "example.test", Status: "bogus", DS: true, DNSKEY: true},
		},
		algorithms: []uint8{13},
	}, {
		name:       "weak algorithm RSASHA1",
		opts:       []dnstest.Option{dnstest.Signed(), dnstest.Algorithm("example.test", dns.RSASHA1)},
		domain:     "example.test",
		status:     "secure",
		reason:     "chain of trust verified",
		chain:      secureChain,
		algorithms: []uint8{5},
		bits:       1024,
	}, {
		name:       "RSASHA256 and Ed25519",
		opts:       []dnstest.Option{dnstest.Signed(), dnstest.Algorithm(".", dns.RSASHA256), dnstest.Algorithm("example.test", dns.ED25519)},
		domain:     "example.test",
		status:     "secure",
		reason:     "chain of trust verified",
		chain:      secureChain,
		algorithms: []uint8{15},
		bits:       256,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := append([]dnstest.Option{dnstest.SigningTime(signingTime)}, tc.opts...)
			srv := dnstest.NewServer(t, lab, opts...)
			anchors := srv.Anchors()
			if tc.otherTrust {
				anchors = dnstest.NewServer(t, lab, dnstest.Signed(), dnstest.SigningTime(signingTime)).Anchors()
			}
			obs := newProber(t, srv, anchors).Probe(context.Background(), tc.domain)
			got := obs.DNSSEC
			if got.Status != tc.status || !strings.HasPrefix(got.Reason, tc.reason) {
				t.Errorf("status %q, reason %q; want %q, reason starting %q", got.Status, got.Reason, tc.status, tc.reason)
			}
			if diff := cmp.Diff(tc.chain, got.Chain, cmpopts.IgnoreFields(audit.DNSSECZone{}, "Reason")); diff != "" {
				t.Errorf("chain mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.algorithms, got.Algorithms); diff != "" {
				t.Errorf("algorithms mismatch (-want +got):\n%s", diff)
			}
			if tc.status == "secure" {
				want := fmt.Sprintf("lab KSK %d", srv.DNSKEY(".").KeyTag())
				if got.Anchor != want {
					t.Errorf("anchor %q, want %q", got.Anchor, want)
				}
			}
			if tc.bits != 0 {
				if len(obs.DNSKEY) != 1 || obs.DNSKEY[0].Bits != tc.bits || obs.DNSKEY[0].KeyTag != srv.DNSKEY(tc.domain).KeyTag() {
					t.Errorf("DNSKEY %+v, want one key of %d bits, tag %d", obs.DNSKEY, tc.bits, srv.DNSKEY(tc.domain).KeyTag())
				}
			}
		})
	}
}

// TestDNSSECExpiredReason checks the whole reason line of an expired
// signature, which names the zone and the date.
func TestDNSSECExpiredReason(t *testing.T) {
	srv := dnstest.NewServer(t, lab, dnstest.Signed(), dnstest.SigningTime(signingTime), dnstest.ExpiredSignatures("example.test"))
	got := newProber(t, srv, nil).Probe(context.Background(), "example.test").DNSSEC
	want := fmt.Sprintf("DNSKEY set of example.test: RRSIG by key %d expired on 2025-05-31T12:00:00Z", srv.DNSKEY("example.test").KeyTag())
	if got.Reason != want {
		t.Errorf("reason %q, want %q", got.Reason, want)
	}
}

func TestSilentServer(t *testing.T) {
	srv := dnstest.NewServer(t, lab, dnstest.Silent())
	p, err := dnsprobe.New(dnsprobe.Config{Server: srv.Addr, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	obs := p.Probe(context.Background(), "example.test")
	if len(obs.Queries) == 0 {
		t.Fatal("no query recorded")
	}
	for _, q := range obs.Queries {
		if q.Error != "i/o timeout" || q.Rcode != "" {
			t.Errorf("query %s %s: error %q, rcode %q; want i/o timeout", q.Name, q.Type, q.Error, q.Rcode)
		}
	}
	if obs.DNSSEC.Status != audit.DNSSECIndeterminate || !strings.Contains(obs.DNSSEC.Reason, "i/o timeout") {
		t.Errorf("DNSSEC %+v, want indeterminate after a timeout", obs.DNSSEC)
	}
	if obs.A != nil || obs.SOA != nil || !obs.Exists {
		t.Errorf("A %v, SOA %v, exists %v from a silent server", obs.A, obs.SOA, obs.Exists)
	}
	if _, err := p.LookupNetIP(context.Background(), "example.test"); err == nil || !strings.Contains(err.Error(), "i/o timeout") {
		t.Errorf("LookupNetIP error %v, want a timeout", err)
	}
}

func TestSilentServerCancelled(t *testing.T) {
	srv := dnstest.NewServer(t, lab, dnstest.Silent())
	p, err := dnsprobe.New(dnsprobe.Config{Server: srv.Addr, Timeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	obs := p.Probe(ctx, "example.test")
	for _, q := range obs.Queries {
		if q.Error == "" {
			t.Errorf("query %s %s: no error from a silent server", q.Name, q.Type)
		}
	}
}

// TestLostDatagrams: a UDP query whose datagram is lost is sent again
// within the per-query timeout, and the probe sees what it would have
// seen without the loss.
func TestLostDatagrams(t *testing.T) {
	want := newProber(t, dnstest.NewServer(t, lab, dnstest.Signed()), nil).Probe(context.Background(), "example.test")
	srv := dnstest.NewServer(t, lab, dnstest.Signed(), dnstest.DropUDP(2))
	p, err := dnsprobe.New(dnsprobe.Config{Server: srv.Addr, Anchors: srv.Anchors(), AnchorName: "lab", Timeout: 3 * time.Second,
		Now: func() time.Time { return signingTime }})
	if err != nil {
		t.Fatal(err)
	}
	got := p.Probe(context.Background(), "example.test")
	for _, q := range got.Queries {
		if q.Error != "" {
			t.Errorf("query %s %s: %s", q.Name, q.Type, q.Error)
		}
	}
	if got.DNSSEC.Status != want.DNSSEC.Status || !slices.Equal(got.A, want.A) || len(got.Queries) != len(want.Queries) {
		t.Errorf("with lost datagrams: DNSSEC %s, A %v, %d queries; without: %s, %v, %d",
			got.DNSSEC.Status, got.A, len(got.Queries), want.DNSSEC.Status, want.A, len(want.Queries))
	}
	if udp, _ := srv.Queries(); udp < 3*len(got.Queries) {
		t.Errorf("%d UDP queries for %d questions, want three sends of each", udp, len(got.Queries))
	}
}

// TestLookupTimeoutNotCached: a lookup that timed out is asked again by
// the next caller, while an answer is kept.
func TestLookupTimeoutNotCached(t *testing.T) {
	srv := dnstest.NewServer(t, lab, dnstest.DropUDP(1))
	// The first datagram of each question is lost and the timeout is
	// shorter than the first retransmission: the first lookup times out.
	p, err := dnsprobe.New(dnsprobe.Config{Server: srv.Addr, Timeout: 350 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if addrs, err := p.LookupNetIP(context.Background(), "example.test"); err == nil {
		t.Fatalf("first LookupNetIP = %v, want a timeout", addrs)
	}
	addrs, err := p.LookupNetIP(context.Background(), "example.test")
	if err != nil || len(addrs) == 0 {
		t.Fatalf("second LookupNetIP = %v, %v; want the addresses", addrs, err)
	}
	before, _ := srv.Queries()
	if again, err := p.LookupNetIP(context.Background(), "example.test"); err != nil || !slices.Equal(again, addrs) {
		t.Errorf("third LookupNetIP = %v, %v; want %v", again, err, addrs)
	}
	if after, _ := srv.Queries(); after != before {
		t.Errorf("the third lookup sent %d queries, want the cached answer", after-before)
	}
}

// TestStrayAnswers: an answer whose ID is not the query's is not taken
// for the answer.
func TestStrayAnswers(t *testing.T) {
	srv := dnstest.NewServer(t, lab, dnstest.Modify(func(req, resp *dns.Msg) { resp.Id = req.Id + 1 }))
	p, err := dnsprobe.New(dnsprobe.Config{Server: srv.Addr, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if addrs, err := p.LookupNetIP(context.Background(), "example.test"); err == nil || !strings.Contains(err.Error(), "i/o timeout") {
		t.Errorf("LookupNetIP = %v, %v; want a timeout", addrs, err)
	}
}

func TestBadAnswers(t *testing.T) {
	tests := []struct {
		name string
		opt  dnstest.Option
		want string
	}{
		{"garbage", dnstest.Garbage(), "dns: "},
		{"other question", dnstest.Modify(func(req, resp *dns.Msg) { resp.Question[0].Name = "evil.test." }), "answer does not match the question"},
		{"no question", dnstest.Modify(func(req, resp *dns.Msg) { resp.Question = nil }), "answer does not match the question"},
		{"not a response", dnstest.Modify(func(req, resp *dns.Msg) { resp.Response = false }), "answer does not match the question"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := dnstest.NewServer(t, lab, tc.opt)
			p := newProber(t, srv, nil)
			obs := p.Probe(context.Background(), "example.test")
			if len(obs.Queries) == 0 {
				t.Fatal("no query recorded")
			}
			for _, q := range obs.Queries {
				if !strings.Contains(q.Error, tc.want) {
					t.Errorf("query %s %s: error %q, want %q", q.Name, q.Type, q.Error, tc.want)
				}
			}
			if obs.DNSSEC.Status != audit.DNSSECIndeterminate {
				t.Errorf("DNSSEC %+v, want indeterminate", obs.DNSSEC)
			}
			if _, err := p.LookupNetIP(context.Background(), "example.test"); err == nil {
				t.Error("LookupNetIP: no error")
			}
		})
	}
}

func TestTruncatedFallsBackToTCP(t *testing.T) {
	srv := dnstest.NewServer(t, lab, dnstest.Truncated(), dnstest.Signed(), dnstest.SigningTime(signingTime))
	obs := newProber(t, srv, nil).Probe(context.Background(), "example.test")
	for _, q := range obs.Queries {
		if !q.TCP || q.Error != "" {
			t.Errorf("query %+v: want an answer over TCP", q)
		}
	}
	if diff := cmp.Diff([]string{"192.0.2.1"}, obs.A); diff != "" {
		t.Errorf("A mismatch (-want +got):\n%s", diff)
	}
	if obs.DNSSEC.Status != audit.DNSSECSecure {
		t.Errorf("DNSSEC %+v, want secure", obs.DNSSEC)
	}
	udp, tcp := srv.Queries()
	if udp != tcp || udp != len(obs.Queries) {
		t.Errorf("server saw %d UDP and %d TCP queries, want %d of each", udp, tcp, len(obs.Queries))
	}
}

func TestLargeAnswer(t *testing.T) {
	var zone strings.Builder
	zone.WriteString(lab)
	for i := range 40 {
		fmt.Fprintf(&zone, "example.test. 300 IN TXT \"%02d%s\"\n", i, strings.Repeat("x", 498))
	}
	srv := dnstest.NewServer(t, zone.String())
	obs := newProber(t, srv, nil).Probe(context.Background(), "example.test")
	var txt *audit.DNSQuery
	for i, q := range obs.Queries {
		if q.Type == "TXT" {
			txt = &obs.Queries[i]
		}
	}
	if txt == nil || !txt.TCP || txt.Answers != 42 || !strings.Contains(txt.Error, "larger than 16384 bytes") {
		t.Errorf("TXT query %+v: want 42 answers over TCP and an error on the size", txt)
	}
	if n := len(obs.TXT); n == 0 || n >= 42 {
		t.Errorf("%d TXT records kept, want some but not all", n)
	}
}

func TestLookupNetIP(t *testing.T) {
	srv := dnstest.NewServer(t, lab+`
		other.test.       300 IN SOA ns.other.test. h.other.test. 1 7200 3600 1209600 300
		a.other.test.     300 IN CNAME b.other.test.
		b.other.test.     300 IN CNAME www.example.test.
		loop.other.test.  300 IN CNAME loop2.other.test.
		loop2.other.test. 300 IN CNAME loop.other.test.
		v6.other.test.    300 IN AAAA 2001:db8::6
	`)
	p := newProber(t, srv, nil)
	tests := []struct {
		host string
		want []netip.Addr
		err  string
	}{
		{"example.test", []netip.Addr{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1")}, ""},
		{"a.other.test", []netip.Addr{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1")}, ""},
		{"v6.other.test.", []netip.Addr{netip.MustParseAddr("2001:db8::6")}, ""},
		{"192.0.2.9", []netip.Addr{netip.MustParseAddr("192.0.2.9")}, ""},
		{"missing.example.test", nil, "dnsprobe: lookup missing.example.test: no such host"},
		{"other.test", nil, "dnsprobe: lookup other.test: no address"},
		{"loop.other.test", nil, "CNAME loop at loop.other.test"},
		{"bad name..test", nil, "invalid domain name"},
	}
	for _, tc := range tests {
		got, err := p.LookupNetIP(context.Background(), tc.host)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("LookupNetIP(%q) error %v, want %q", tc.host, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("LookupNetIP(%q): %v", tc.host, err)
		}
		if diff := cmp.Diff(tc.want, got, cmpopts.EquateComparable(netip.Addr{})); diff != "" {
			t.Errorf("LookupNetIP(%q) mismatch (-want +got):\n%s", tc.host, diff)
		}
	}
}

func TestLookupNetIPCache(t *testing.T) {
	srv := dnstest.NewServer(t, lab)
	p := newProber(t, srv, nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := p.LookupNetIP(context.Background(), "example.test"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if _, err := p.LookupNetIP(context.Background(), "EXAMPLE.test."); err != nil {
		t.Error(err)
	}
	if udp, tcp := srv.Queries(); udp != 2 || tcp != 0 {
		t.Errorf("server saw %d UDP and %d TCP queries for 9 lookups, want 2 (A and AAAA once)", udp, tcp)
	}
}

func TestNew(t *testing.T) {
	p, err := dnsprobe.New(dnsprobe.Config{Server: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Probe(context.Background(), "192.0.2.1").Error; got != `dnsprobe: "192.0.2.1" is an IP address, not a domain name` {
		t.Errorf("Probe of an IP address: error %q", got)
	}
	if _, err := dnsprobe.New(dnsprobe.Config{Server: "127.0.0.1:53", Anchors: []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: "."}}}}); err == nil {
		t.Error("New accepted an A record as trust anchor")
	}
}
