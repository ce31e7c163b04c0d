package mailprobe_test

import (
	"context"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/dnstest"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/probe"
	"vigie.eu/vigie/internal/probe/dnsprobe"
	"vigie.eu/vigie/internal/probe/mailprobe"
	"vigie.eu/vigie/internal/tlstest"
)

// roots is the top of every test zone: the root and test., served by the
// same server as the zones below, as the lab's knot does.
const roots = `
	.                 3600 IN SOA ns.root. hostmaster.root. 1 7200 3600 1209600 300
	.                 3600 IN NS  ns.root.
	test.             3600 IN SOA ns.test. hostmaster.test. 1 7200 3600 1209600 300
	test.             3600 IN NS  ns.test.
	example.test.     300  IN SOA ns1.example.test. hostmaster.example.test. 1 7200 3600 1209600 300
	example.test.     300  IN NS  ns1.example.test.
`

var signingTime = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// lab is a DNS server and a Config that asks it, with every host name
// resolved to 127.0.0.1 for the MTA-STS fetch.
func lab(t *testing.T, zone string, opts ...dnstest.Option) mailprobe.Config {
	t.Helper()
	srv := dnstest.NewServer(t, roots+zone, append(opts, dnstest.SigningTime(signingTime))...)
	anchors := srv.Anchors()
	if anchors == nil {
		anchors = []dns.RR{&dns.DS{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeDS, Class: dns.ClassINET}, KeyTag: 1, Algorithm: 13, DigestType: 2, Digest: strings.Repeat("00", 32)}}
	}
	p, err := dnsprobe.New(dnsprobe.Config{Server: srv.Addr, Anchors: anchors, AnchorName: "lab", Timeout: time.Second, Now: func() time.Time { return signingTime }})
	if err != nil {
		t.Fatal(err)
	}
	return mailprobe.Config{
		DNS:   p,
		Guard: guard.ForLab(),
		Lookup: func(context.Context, string) ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		},
		Timeout: 2 * time.Second,
		Now:     time.Now,
	}
}

// rsaKey returns a DKIM p= value holding an RSA public key of the given
// size (the modulus is not a product of primes: only its size matters).
func rsaKey(t *testing.T, bits int) string {
	n := new(big.Int).Lsh(big.NewInt(1), uint(bits-1))
	n.Add(n, big.NewInt(1))
	der, err := x509.MarshalPKIXPublicKey(&rsa.PublicKey{N: n, E: 65537})
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// txt writes a TXT record for a zone, cut in strings of 255 bytes.
func txt(owner, text string) string {
	var parts []string
	for len(text) > 255 {
		parts = append(parts, strconv.Quote(text[:255]))
		text = text[255:]
	}
	parts = append(parts, strconv.Quote(text))
	return fmt.Sprintf("%s 300 IN TXT %s\n", owner, strings.Join(parts, " "))
}

func kinds(errs []audit.SPFError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Kind)
	}
	return out
}

func TestSPF(t *testing.T) {
	elevenA := "v=spf1" + strings.Repeat(" a:h.test", 11) + " -all"
	var manyMX strings.Builder
	for i := range 11 {
		fmt.Fprintf(&manyMX, "many.test. 300 IN MX %d mx%d.many.test.\n", i, i)
	}
	for _, tc := range []struct {
		name         string
		zone         string
		lookups      int
		void         int
		errs         []string
		records      int
		childDomains []string // domains of the root's children
	}{
		{"simple", txt("example.test.", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all"), 0, 0, nil, 1, nil},
		{"none", txt("example.test.", "google-site-verification=x"), 0, 0, nil, 0, nil},
		{"nested includes", txt("example.test.", "v=spf1 include:a.test -all") +
			txt("a.test.", "v=spf1 include:b.test mx ~all") + txt("b.test.", "v=spf1 a -all") + "b.test. 300 IN A 192.0.2.1\n",
			4, 1, nil, 1, []string{"a.test"}},
		{"redirect", txt("example.test.", "v=spf1 redirect=r.test") + txt("r.test.", "v=spf1 ip4:192.0.2.1 -all"), 1, 0, nil, 1, []string{"r.test"}},
		{"redirect ignored with all", txt("example.test.", "v=spf1 -all redirect=r.test") + txt("r.test.", "v=spf1 ip4:192.0.2.1 -all"), 0, 0, nil, 1, nil},
		{"loop", txt("example.test.", "v=spf1 include:l1.test -all") + txt("l1.test.", "v=spf1 include:example.test -all"), 2, 0, []string{"loop"}, 1, []string{"l1.test"}},
		{"self redirect", txt("example.test.", "v=spf1 redirect=example.test"), 1, 0, []string{"loop"}, 1, []string{"example.test"}},
		{"void lookups", txt("example.test.", "v=spf1 a:n1.test a:n2.test mx:n3.test -all"), 3, 3, []string{"void_lookups"}, 1, nil},
		{"aaaa only names are void", txt("example.test.", "v=spf1 a:n1.test a:n2.test a:n3.test -all") +
			"n1.test. 300 IN AAAA 2001:db8::1\nn2.test. 300 IN AAAA 2001:db8::2\nn3.test. 300 IN AAAA 2001:db8::3\n", 3, 3, []string{"void_lookups"}, 1, nil},
		{"mx names without address are void", txt("example.test.", "v=spf1 mx:m.test -all") +
			"m.test. 300 IN MX 1 a.m.test.\nm.test. 300 IN MX 2 b.m.test.\nm.test. 300 IN MX 3 c.m.test.\nb.m.test. 300 IN AAAA 2001:db8::1\n", 1, 3, []string{"void_lookups"}, 1, nil},
		{"too many lookups", txt("example.test.", elevenA) + "h.test. 300 IN A 192.0.2.1\n", 11, 0, []string{"lookups"}, 1, nil},
		{"too many through includes", txt("example.test.", "v=spf1 include:i1.test include:i2.test -all") +
			txt("i1.test.", "v=spf1 a:h.test a:h.test a:h.test a:h.test -all") + txt("i2.test.", "v=spf1 a:h.test a:h.test a:h.test a:h.test a:h.test -all") + "h.test. 300 IN A 192.0.2.1\n",
			11, 0, []string{"lookups"}, 1, []string{"i1.test", "i2.test"}},
		{"include without record", txt("example.test.", "v=spf1 include:none.test -all"), 1, 1, []string{"no_record"}, 1, []string{"none.test"}},
		{"syntax", txt("example.test.", "v=spf1 ip4:300.1.1.1 foo:bar a:example.123 -all"), 0, 0, []string{"syntax", "syntax", "syntax"}, 1, nil},
		{"multiple", txt("example.test.", "v=spf1 -all") + txt("example.test.", "v=spf1 ~all"), 0, 0, []string{"multiple"}, 2, nil},
		{"ptr counted", txt("example.test.", "v=spf1 ptr -all"), 1, 0, nil, 1, nil},
		{"mx names", txt("example.test.", "v=spf1 mx:many.test -all") + manyMX.String(), 1, 0, []string{"mx_names"}, 1, nil},
		{"sender macro", txt("example.test.", "v=spf1 exists:%{i}._spf.%{d} -all"), 1, 0, nil, 1, nil},
		{"domain macro", txt("example.test.", "v=spf1 include:_spf.%{d} -all") + txt("_spf.example.test.", "v=spf1 -all"), 1, 0, nil, 1, []string{"_spf.example.test"}},
		{"long record", txt("example.test.", "v=spf1"+strings.Repeat(" ip4:192.0.2.1", 700)+" -all"), 0, 0, []string{"syntax", "syntax"}, 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := lab(t, tc.zone)
			obs := mailprobe.Probe(t.Context(), cfg, "example.test", nil).SPF
			if obs.Error != "" {
				t.Fatalf("Error = %s", obs.Error)
			}
			got := fmt.Sprintf("records %d, lookups %d, void %d, errors %v", len(obs.Records), obs.Lookups, obs.VoidLookups, kinds(obs.Errors))
			want := fmt.Sprintf("records %d, lookups %d, void %d, errors %v", tc.records, tc.lookups, tc.void, tc.errs)
			if got != want {
				t.Errorf("got  %s\nwant %s\nerrors: %+v", got, want, obs.Errors)
			}
			var children []string
			if obs.Tree != nil {
				for _, c := range obs.Tree.Children {
					children = append(children, c.Domain)
				}
			}
			if diff := cmp.Diff(tc.childDomains, children); diff != "" {
				t.Errorf("children (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDMARC(t *testing.T) {
	for _, tc := range []struct {
		name, domain, zone string
		want               *audit.DMARCObservation
	}{
		{"direct", "example.test", txt("_dmarc.example.test.", "v=DMARC1; p=reject; rua=mailto:dmarc@example.test"), &audit.DMARCObservation{
			Name: "_dmarc.example.test", OrgDomain: "example.test",
			Records: []string{"v=DMARC1; p=reject; rua=mailto:dmarc@example.test"},
			Tags:    []audit.Tag{{Name: "v", Value: "DMARC1"}, {Name: "p", Value: "reject"}, {Name: "rua", Value: "mailto:dmarc@example.test"}},
			Policy:  "reject", RUA: []audit.DMARCReportAddress{{URI: "mailto:dmarc@example.test", Domain: "example.test"}},
		}},
		{"fallback", "sub.example.test", txt("_dmarc.example.test.", "v=DMARC1; p=quarantine; sp=none; pct=50") + "sub.example.test. 300 IN A 192.0.2.1\n", &audit.DMARCObservation{
			Name: "_dmarc.example.test", OrgDomain: "example.test", Fallback: true,
			Records: []string{"v=DMARC1; p=quarantine; sp=none; pct=50"},
			Tags:    []audit.Tag{{Name: "v", Value: "DMARC1"}, {Name: "p", Value: "quarantine"}, {Name: "sp", Value: "none"}, {Name: "pct", Value: "50"}},
			Policy:  "quarantine", SubdomainPolicy: "none", Percent: ptr(50),
		}},
		{"external authorised or not", "example.test", txt("_dmarc.example.test.", "v=DMARC1; p=none; rua=mailto:a@reports.test,mailto:b@other.test!10m") +
			txt("example.test._report._dmarc.reports.test.", "v=DMARC1"), &audit.DMARCObservation{
			Name: "_dmarc.example.test", OrgDomain: "example.test",
			Records: []string{"v=DMARC1; p=none; rua=mailto:a@reports.test,mailto:b@other.test!10m"},
			Tags:    []audit.Tag{{Name: "v", Value: "DMARC1"}, {Name: "p", Value: "none"}, {Name: "rua", Value: "mailto:a@reports.test,mailto:b@other.test!10m"}},
			Policy:  "none",
			RUA: []audit.DMARCReportAddress{
				{URI: "mailto:a@reports.test", Domain: "reports.test", External: true, AuthName: "example.test._report._dmarc.reports.test", Authorized: ptr(true)},
				{URI: "mailto:b@other.test!10m", Domain: "other.test", External: true, AuthName: "example.test._report._dmarc.other.test", Authorized: ptr(false)},
			},
		}},
		{"syntax", "example.test", txt("_dmarc.example.test.", "v=DMARC1; p=block; pct=200; rua=https://x.test; adkim=x"), &audit.DMARCObservation{
			Name: "_dmarc.example.test", OrgDomain: "example.test",
			Records: []string{"v=DMARC1; p=block; pct=200; rua=https://x.test; adkim=x"},
			Tags:    []audit.Tag{{Name: "v", Value: "DMARC1"}, {Name: "p", Value: "block"}, {Name: "pct", Value: "200"}, {Name: "rua", Value: "https://x.test"}, {Name: "adkim", Value: "x"}},
			Policy:  "block", AlignDKIM: "x",
			RUA: []audit.DMARCReportAddress{{URI: "https://x.test", Error: `"https://x.test" is not a mailto: URI`}},
			Errors: []string{
				`p="block" is not none, quarantine or reject`,
				`pct="200" is not an integer from 0 to 100`,
				`rua: "https://x.test" is not a mailto: URI`,
				`adkim="x" is not r or s`,
			},
		}},
		{"missing", "example.test", txt("_dmarc.example.test.", "v=spf1 -all"), &audit.DMARCObservation{Name: "_dmarc.example.test", OrgDomain: "example.test"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := lab(t, tc.zone)
			got := mailprobe.Probe(t.Context(), cfg, tc.domain, nil).DMARC
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("DMARC (-want +got):\n%s", diff)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestDKIM(t *testing.T) {
	k2048, k1024, k768 := rsaKey(t, 2048), rsaKey(t, 1024), rsaKey(t, 768)
	ed := base64.StdEncoding.EncodeToString(make([]byte, 32))
	zone := txt("good._domainkey.example.test.", "v=DKIM1; k=rsa; p="+k2048) +
		txt("old._domainkey.example.test.", "v=DKIM1; h=sha1; t=y:s; p="+k1024) +
		txt("weak._domainkey.example.test.", "p="+k768) +
		txt("gone._domainkey.example.test.", "v=DKIM1; p=") +
		txt("ed._domainkey.example.test.", "v=DKIM1; k=ed25519; p="+ed) +
		txt("selector1._domainkey.example.test.", "v=DKIM1; p="+k2048)
	cfg := lab(t, zone)
	got := mailprobe.Probe(t.Context(), cfg, "example.test", []string{"good", "old", "Weak", "gone", "ed", "absent", "good"}).DKIM
	if got.DomainKeyRcode != "NOERROR" {
		t.Errorf("DomainKeyRcode = %q, want NOERROR", got.DomainKeyRcode)
	}
	type summary struct {
		Selector, KeyType string
		Given, Found      bool
		Bits              int
		Revoked           bool
		Flags, Hash       []string
		Errors            []string
	}
	var sums []summary
	for _, s := range got.Selectors {
		sums = append(sums, summary{s.Selector, s.KeyType, s.Given, s.Found, s.KeyBits, s.Revoked, s.Flags, s.HashAlgorithms, s.Errors})
	}
	want := []summary{
		{Selector: "good", KeyType: "rsa", Given: true, Found: true, Bits: 2048},
		{Selector: "old", KeyType: "rsa", Given: true, Found: true, Bits: 1024, Flags: []string{"y", "s"}, Hash: []string{"sha1"}},
		{Selector: "weak", KeyType: "rsa", Given: true, Found: true, Bits: 768},
		{Selector: "gone", KeyType: "rsa", Given: true, Found: true, Revoked: true},
		{Selector: "ed", KeyType: "ed25519", Given: true, Found: true, Bits: 256},
		{Selector: "absent", Given: true},
		{Selector: "selector1", KeyType: "rsa", Found: true, Bits: 2048},
	}
	if diff := cmp.Diff(want, sums); diff != "" {
		t.Errorf("selectors (-want +got):\n%s", diff)
	}

	none := mailprobe.Probe(t.Context(), lab(t, ""), "example.test", nil).DKIM
	if none.DomainKeyRcode != "NXDOMAIN" || len(none.Selectors) != 0 {
		t.Errorf("without keys: rcode %q, %d selectors; want NXDOMAIN, 0", none.DomainKeyRcode, len(none.Selectors))
	}
}

// policyServer serves body as the MTA-STS policy over HTTPS with a
// certificate for mta-sts.example.test from ca.
func policyServer(t *testing.T, ca *tlstest.CA, status int, ctype string, body []byte) int {
	cert := ca.Issue(t, tlstest.CertOptions{DNSNames: []string{"mta-sts.example.test"}})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/mta-sts.txt" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(status)
		w.Write(body)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert.TLS(false)}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	n, _ := strconv.Atoi(port)
	return n
}

func TestMTASTS(t *testing.T) {
	ca := tlstest.NewCA(t, "mta-sts")
	other := tlstest.NewCA(t, "other")
	const record = "v=STSv1; id=20250601T000000;"
	good := "version: STSv1\r\nmode: enforce\r\nmx: mx.example.test\r\nmx: *.backup.test\r\nmax_age: 604800\r\n"
	for _, tc := range []struct {
		name     string
		zone     string
		port     func(t *testing.T) int
		roots    *tlstest.CA
		check    func(t *testing.T, o *audit.MTASTSObservation)
		fetched  bool
		fetchErr string
	}{
		{"good", txt("_mta-sts.example.test.", record), func(t *testing.T) int { return policyServer(t, ca, 200, "text/plain; charset=utf-8", []byte(good)) }, ca,
			func(t *testing.T, o *audit.MTASTSObservation) {
				want := &audit.MTASTSObservation{
					Records: []string{record}, ID: "20250601T000000",
					PolicyURL: "https://mta-sts.example.test/.well-known/mta-sts.txt", HTTPStatus: 200, ContentType: "text/plain; charset=utf-8",
					Policy: good, Version: "STSv1", Mode: "enforce", MX: []string{"mx.example.test", "*.backup.test"}, MaxAge: ptr[int64](604800),
				}
				if diff := cmp.Diff(want, o); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			}, true, ""},
		{"testing", txt("_mta-sts.example.test.", record), func(t *testing.T) int {
			return policyServer(t, ca, 200, "text/plain", []byte("version: STSv1\nmode: testing\nmx: mx.example.test\nmax_age: 86400\n"))
		}, ca, func(t *testing.T, o *audit.MTASTSObservation) {
			if o.Mode != "testing" || len(o.PolicyErrors) != 0 {
				t.Errorf("mode %q errors %q; want testing, none", o.Mode, o.PolicyErrors)
			}
		}, true, ""},
		{"invalid", txt("_mta-sts.example.test.", "v=STSv1; id=bad-id!;"), func(t *testing.T) int {
			return policyServer(t, ca, 200, "text/html", []byte("version: STSv2\nmode: strict\nmax_age: forever\n"))
		}, ca, func(t *testing.T, o *audit.MTASTSObservation) {
			wantRec := []string{`id="bad-id!" is not 1 to 32 letters and digits`}
			wantPol := []string{`content type "text/html" is not text/plain`, `version "STSv2" is not STSv1`, `mode "strict" is not enforce, testing or none`,
				`max_age "forever" is not a number of seconds from 0 to 31557600`, "no mx line (required unless mode is none)"}
			if diff := cmp.Diff(wantRec, o.RecordErrors); diff != "" {
				t.Errorf("record errors (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantPol, o.PolicyErrors); diff != "" {
				t.Errorf("policy errors (-want +got):\n%s", diff)
			}
		}, true, ""},
		{"unreachable", txt("_mta-sts.example.test.", record), func(t *testing.T) int {
			_, port, _ := net.SplitHostPort(tlstest.ClosedAddr(t))
			n, _ := strconv.Atoi(port)
			return n
		}, ca, nil, false, "mailprobe: GET mta-sts.example.test: connection refused"},
		{"untrusted", txt("_mta-sts.example.test.", record), func(t *testing.T) int { return policyServer(t, other, 200, "text/plain", []byte(good)) }, ca, nil, false,
			"mailprobe: GET mta-sts.example.test: tls: failed to verify certificate: x509: certificate signed by unknown authority"},
		{"not found", txt("_mta-sts.example.test.", record), func(t *testing.T) int { return policyServer(t, ca, 404, "text/plain", nil) }, ca, nil, false,
			"mailprobe: GET mta-sts.example.test: HTTP status 404"},
		{"oversized", txt("_mta-sts.example.test.", record), func(t *testing.T) int {
			return policyServer(t, ca, 200, "text/plain", []byte(strings.Repeat("mx: mx.example.test\n", 10000)))
		}, ca, nil, false, "mailprobe: GET mta-sts.example.test: policy larger than 65536 bytes"},
		{"no record", "", nil, ca, func(t *testing.T, o *audit.MTASTSObservation) {
			if diff := cmp.Diff(&audit.MTASTSObservation{}, o); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		}, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := lab(t, tc.zone)
			cfg.Roots = tc.roots.Pool()
			if tc.port != nil {
				cfg.MTASTSPort = tc.port(t)
			}
			o := mailprobe.Probe(t.Context(), cfg, "example.test", nil).MTASTS
			if o.FetchError != tc.fetchErr {
				t.Errorf("FetchError = %q, want %q", o.FetchError, tc.fetchErr)
			}
			if (o.Policy != "") != tc.fetched {
				t.Errorf("policy fetched = %v, want %v", o.Policy != "", tc.fetched)
			}
			if tc.check != nil {
				tc.check(t, o)
			}
		})
	}
}

func TestTLSRPT(t *testing.T) {
	for _, tc := range []struct {
		name, zone string
		rua        []string
		errs       []string
	}{
		{"good", txt("_smtp._tls.example.test.", "v=TLSRPTv1; rua=mailto:tlsrpt@example.test,https://report.test/tlsrpt"), []string{"mailto:tlsrpt@example.test", "https://report.test/tlsrpt"}, nil},
		{"bad uri", txt("_smtp._tls.example.test.", "v=TLSRPTv1; rua=ftp://x.test"), []string{"ftp://x.test"}, []string{`rua: "ftp://x.test" is neither mailto: nor https:`}},
		{"no rua", txt("_smtp._tls.example.test.", "v=TLSRPTv1;"), nil, []string{"no rua= tag"}},
		{"two", txt("_smtp._tls.example.test.", "v=TLSRPTv1; rua=mailto:a@example.test") + txt("_smtp._tls.example.test.", "v=TLSRPTv1; rua=mailto:b@example.test"), nil, []string{"2 TLS-RPT records: senders ignore them all"}},
		{"none", "", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := mailprobe.Probe(t.Context(), lab(t, tc.zone), "example.test", nil).TLSRPT
			if diff := cmp.Diff(tc.rua, o.RUA); diff != "" {
				t.Errorf("RUA (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.errs, o.Errors); diff != "" {
				t.Errorf("Errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInvalidDomain(t *testing.T) {
	for _, d := range []string{"", "192.0.2.1", "a..b", "nodot"} {
		o := mailprobe.Probe(t.Context(), mailprobe.Config{}, d, nil)
		if o.Error == "" || o.MX != nil {
			t.Errorf("Probe(%q) = %+v, want an error alone", d, o)
		}
	}
}

// panickyDNS answers nothing and panics on the DMARC question.
type panickyDNS struct{}

func (panickyDNS) Query(ctx context.Context, name string, qtype uint16) ([]dns.RR, int, error) {
	if strings.HasPrefix(name, "_dmarc.") {
		panic("resolver exploded")
	}
	return nil, dns.RcodeNameError, nil
}

func (d panickyDNS) QueryValidated(ctx context.Context, name string, qtype uint16) ([]dns.RR, int, string, string, error) {
	rrs, rcode, err := d.Query(ctx, name, qtype)
	return rrs, rcode, audit.DNSSECInsecure, "", err
}

// TestProbePanicCarried: a panic in one of the probe's goroutines reaches
// the caller of Probe as a *probe.PanicError, once the other goroutines
// are done, instead of ending the program.
func TestProbePanicCarried(t *testing.T) {
	got := func() (r any) {
		defer func() { r = recover() }()
		mailprobe.Probe(t.Context(), mailprobe.Config{DNS: panickyDNS{}, Timeout: time.Second}, "example.test", nil)
		return nil
	}()
	pe, ok := got.(*probe.PanicError)
	if !ok || pe.Value != "resolver exploded" {
		t.Fatalf("Probe panicked with %#v, want a *probe.PanicError of the resolver's panic", got)
	}
}
