package lab

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/dnstest"
	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/netdelay"
	"vigie.eu/vigie/internal/target"
)

// testBase returns a base address in 127.128.0.0/9 that other tests are
// unlikely to use, different at each run.
func testBase() netip.Addr {
	return netip.AddrFrom4([4]byte{127, byte(128 + rand.IntN(120)), byte(rand.IntN(250)), 1})
}

// cases are configurations drawn for an organisation and what an audit of
// it must report.
var cases = []struct {
	name  string
	match func(p Profile) bool
	want  string // a finding id; "" for "nothing above low"
}{
	{"good", func(p Profile) bool { return p.Good }, ""},
	{"tls10", func(p Profile) bool { return p.TLS == TLS10 && p.HTTPS && p.Cert == CertValid }, "tls.protocol.tls10"},
	{"legacy", func(p Profile) bool { return p.TLS == TLSLegacy && p.HTTPS }, "tls.cipher.3des"},
	{"expired", func(p Profile) bool { return p.Cert == CertExpired && p.HTTPS }, "tls.cert.expired"},
	{"misnamed", func(p Profile) bool { return p.Cert == CertMisnamed && p.HTTPS }, "tls.cert.hostname_mismatch"},
	{"unsigned", func(p Profile) bool { return !p.DNSSEC }, "dns.dnssec.missing"},
	{"no-starttls", func(p Profile) bool { return p.Mail == "plain" }, "mail.starttls.missing"},
	{"spf-pass-all", func(p Profile) bool { return p.SPF == "pass-all" && p.Mail != "null" }, "mail.spf.pass_all"},
	{"no-dmarc", func(p Profile) bool { return p.DMARC == "" }, "mail.dmarc.missing"},
	{"no-headers", func(p Profile) bool { return p.Headers == "none" && p.HTTPS }, "http.hsts.missing"},
	{"no-redirect", func(p Profile) bool { return !p.Redirect && p.HTTPS }, "http.redirect.missing"},
	{"bogus", func(p Profile) bool { return p.DNSSEC && p.Bogus }, "dns.dnssec.bogus"},
	{"weak-algorithm", func(p Profile) bool { return p.DNSSEC && p.WeakAlgorithm }, "dns.dnssec.weak_algorithm"},
	{"dkim-weak", func(p Profile) bool { return p.DKIM == DKIMWeak }, "mail.dkim.short_key"},
	{"no-dkim", func(p Profile) bool { return p.DKIM == "" && p.Mail != "null" && p.SPF != "" }, "mail.dkim.not_found"},
}

// seedWithAll returns the first seed whose estate of n organisations has
// an organisation for every case.
func seedWithAll(t *testing.T, n int) int64 {
	for seed := int64(1); seed < 10000; seed++ {
		e := draw(n, seed, netip.MustParseAddr(DefaultBase))
		all := true
		for _, c := range cases {
			found := false
			for _, o := range e.orgs {
				if c.match(o.Profile) {
					found = true
					break
				}
			}
			all = all && found
		}
		if all {
			return seed
		}
	}
	t.Fatal("no seed draws every case")
	return 0
}

// TestLabAudits starts a lab of 50 organisations and audits one
// organisation of each case: the audit must see what was drawn. It does
// so with one listener per address and port, then with shared
// listeners.
func TestLabAudits(t *testing.T) {
	t.Run("per-address", func(t *testing.T) { testLabAudits(t, false, 8080, 8443, 2525) })
	// Ports below Linux's ephemeral range (32768 and up), where
	// clients' sockets would be in the way of a listener on 0.0.0.0.
	p := 20000 + 3*rand.IntN(4000)
	t.Run("shared", func(t *testing.T) { testLabAudits(t, true, p, p+1, p+2) })
}

func testLabAudits(t *testing.T, shared bool, httpPort, httpsPort, smtpPort int) {
	const n = 50
	seed := seedWithAll(t, n)
	base := testBase()
	b := base.As4()
	dir := t.TempDir()
	l, err := Start(t.Context(), Config{N: n, Seed: seed, Dir: dir, BaseAddr: base,
		DNSAddr:  fmt.Sprintf("127.%d.%d.254:0", b[1], b[2]),
		HTTPPort: httpPort, HTTPSPort: httpsPort, SMTPPort: smtpPort, Shared: shared})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.Shared != shared {
		t.Errorf("Shared = %v, want %v", l.Shared, shared)
	}

	// Nothing answers on an address the lab does not serve, nor on
	// the HTTPS port of an organisation without HTTPS.
	closed := []string{netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, b[1], b[2], 253}), uint16(httpPort)).String()}
	for _, o := range l.Orgs {
		if !o.Profile.HTTPS {
			closed = append(closed, netip.AddrPortFrom(o.Addr, uint16(httpsPort)).String())
			break
		}
	}
	if open := netip.AddrPortFrom(l.Orgs[0].Addr, uint16(httpPort)).String(); talk(open) != nil {
		t.Errorf("%s: %v", open, talk(open))
	}
	for _, addr := range closed {
		if err := talk(addr); err == nil {
			t.Errorf("%s answered", addr)
		}
	}

	for name, want := range map[string][]byte{TargetsFile: l.TargetsCSV, ResolverFile: []byte(l.Resolver + "\n"), CAFile: l.CAPEM, AnchorFile: []byte(l.Anchor)} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %q, %v; want %q", name, got, err, want)
		}
	}
	if _, err := dns.NewRR(l.Anchor); err != nil {
		t.Errorf("root.ds %q: %v", l.Anchor, err)
	}

	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(l.CAPEM) {
		t.Fatal("ca.pem holds no certificate")
	}
	cfg := engine.Config{AddressPolicy: guard.LabPolicy(), Resolver: l.Resolver, Anchors: []dns.RR{l.AnchorRR}, AnchorName: "lab", Roots: roots, RootsName: "lab CA",
		Timeout: 60 * time.Second, HTTPPort: httpPort, HTTPSPort: httpsPort, SMTPPort: smtpPort, Version: "test"}

	var wg sync.WaitGroup
	for _, c := range cases {
		var org *Org
		for _, o := range l.Orgs {
			if c.match(o.Profile) {
				org = o
				break
			}
		}
		wg.Go(func() {
			tg, err := target.Parse(org.Domain)
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				return
			}
			res := engine.Audit(t.Context(), cfg, tg)
			if res.Error != "" {
				t.Errorf("%s: %s: %s", c.name, org.Domain, res.Error)
				return
			}
			var ids, high []string
			for _, f := range res.Findings {
				ids = append(ids, f.ID)
				if f.Severity >= audit.Medium {
					high = append(high, f.ID)
				}
			}
			if c.want == "" {
				if len(high) > 0 {
					t.Errorf("%s: %s (%+v): findings at medium or above: %v", c.name, org.Domain, org.Profile, high)
				}
				if st := res.Observations.DNS.DNSSEC; st == nil || st.Status != audit.DNSSECSecure {
					t.Errorf("%s: %s: DNSSEC %+v, want secure", c.name, org.Domain, st)
				}
				if slices.Contains(ids, "mail.dkim.not_found") {
					t.Errorf("%s: %s: its DKIM key was not found", c.name, org.Domain)
				}
				return
			}
			found := false
			for _, id := range ids {
				found = found || id == c.want
			}
			if !found {
				obs, _ := json.Marshal(res.Observations)
				t.Errorf("%s: %s (%+v): no %s among %v; observations: %s", c.name, org.Domain, org.Profile, c.want, ids, obs)
			}
		})
	}
	wg.Wait()
}

// talk connects to addr, sends a request and reads a byte of the
// answer.
func talk(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "GET / HTTP/1.0\r\n\r\n"); err != nil {
		return err
	}
	_, err = c.Read(make([]byte, 1))
	return err
}

// TestSameSeed: the same seed gives the same targets.csv, another seed
// another one; every line has an id, a name, a category and a domain, and
// no two organisations share an id or a domain.
func TestSameSeed(t *testing.T) {
	base := netip.MustParseAddr(DefaultBase)
	a, b := draw(500, 7, base).targetsCSV(), draw(500, 7, base).targetsCSV()
	if !bytes.Equal(a, b) {
		t.Error("the same seed gave two targets.csv")
	}
	if bytes.Equal(a, draw(500, 8, base).targetsCSV()) {
		t.Error("seeds 7 and 8 gave the same targets.csv")
	}
	rows, err := csv.NewReader(bytes.NewReader(a)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(rows[0], ","), "id,name,category,domains"; got != want {
		t.Errorf("header %q, want %q", got, want)
	}
	if len(rows) != 501 {
		t.Fatalf("%d rows, want 501", len(rows))
	}
	ids, domains := map[string]bool{}, map[string]bool{}
	for _, r := range rows[1:] {
		if len(r) != 4 || r[0] == "" || r[1] == "" || r[2] == "" {
			t.Errorf("row %q", r)
			continue
		}
		if _, err := target.Parse(r[3]); err != nil {
			t.Errorf("domain %q: %v", r[3], err)
		}
		if ids[r[0]] || domains[r[3]] {
			t.Errorf("duplicate id or domain in %q", r)
		}
		ids[r[0]], domains[r[3]] = true, true
	}
}

// TestAddresses: addresses skip .0 and .255, hosted organisations share
// their provider's, the others have one each.
func TestAddresses(t *testing.T) {
	e := draw(2000, 3, netip.MustParseAddr("127.1.0.250"))
	own := map[netip.Addr]bool{}
	hosted := 0
	for _, o := range e.orgs {
		b := o.Addr.As4()
		if b[3] == 0 || b[3] == 255 || !o.Addr.IsLoopback() {
			t.Errorf("%s: address %s", o.Domain, o.Addr)
		}
		if o.Provider >= 0 {
			hosted++
			if o.Addr != e.providers[o.Provider].addr {
				t.Errorf("%s: address %s, provider's %s", o.Domain, o.Addr, e.providers[o.Provider].addr)
			}
			continue
		}
		if own[o.Addr] {
			t.Errorf("%s: address %s given twice", o.Domain, o.Addr)
		}
		own[o.Addr] = true
	}
	if hosted < 400 || hosted > 800 || len(e.providers) != 20 {
		t.Errorf("%d hosted organisations on %d providers, want about 600 on 20", hosted, len(e.providers))
	}
}

// TestStartErrors: a bad configuration is refused before anything
// listens.
func TestStartErrors(t *testing.T) {
	for _, cfg := range []Config{
		{N: 0},
		{N: maxOrgs + 1},
		{N: 10, BaseAddr: netip.MustParseAddr("10.0.0.1")},
		{N: 10, DNSAddr: "192.0.2.1:53"},
		{N: 10, BaseAddr: netip.MustParseAddr("127.200.0.1"), DNSAddr: "127.200.0.5:53"},
		{N: 50000, BaseAddr: netip.MustParseAddr("127.255.250.1")},
	} {
		if l, err := Start(t.Context(), cfg); err == nil {
			l.Close()
			t.Errorf("Start(%+v) succeeded", cfg)
		}
	}
}

// TestEvolve: week 0 is the estate as drawn; later weeks change a few
// organisations, the same way for the same seed, and only what is the
// organisation's own; the targets never change.
func TestEvolve(t *testing.T) {
	base := netip.MustParseAddr(DefaultBase)
	drawn := draw(2000, 3, base)
	week0 := draw(2000, 3, base)
	week0.evolve(3, 0)
	if !bytes.Equal(drawn.changesCSV(), week0.changesCSV()) || len(week0.changesCSV()) != len("id,domain,change\n") {
		t.Errorf("week 0 has changes: %q", week0.changesCSV())
	}
	a, b := draw(2000, 3, base), draw(2000, 3, base)
	a.evolve(3, 2)
	b.evolve(3, 2)
	if !bytes.Equal(a.changesCSV(), b.changesCSV()) {
		t.Error("the same seed and week gave two sets of changes")
	}
	if !bytes.Equal(a.targetsCSV(), drawn.targetsCSV()) {
		t.Error("the targets changed with the weeks")
	}
	changed := 0
	for i, o := range a.orgs {
		d := drawn.orgs[i]
		if len(o.Changes) == 0 {
			if o.Profile != d.Profile {
				t.Errorf("%s: profile changed without a change recorded: %+v -> %+v", o.Domain, d.Profile, o.Profile)
			}
			continue
		}
		changed++
		// Only these may differ (Good is lost with any change).
		p, q := o.Profile, d.Profile
		p.Headers, p.DMARC, p.Redirect, p.Cert, p.Good = q.Headers, q.DMARC, q.Redirect, q.Cert, q.Good
		if p != q || o.Addr != d.Addr || o.Provider != d.Provider {
			t.Errorf("%s: changed beyond headers, DMARC, redirect and certificate: %+v -> %+v", o.Domain, d.Profile, o.Profile)
		}
		if o.Profile.Cert != d.Profile.Cert && o.Provider >= 0 {
			t.Errorf("%s: hosted, its certificate changed", o.Domain)
		}
		if o.Profile.Good {
			t.Errorf("%s: changed and still marked good", o.Domain)
		}
	}
	// About 8% a week over two weeks: between 5% and 20% of 2000.
	if changed < 100 || changed > 400 {
		t.Errorf("%d of 2000 organisations changed in two weeks", changed)
	}
}

// TestZones asks the lab's name server about an estate: www at a hosting
// provider is an alias that the server follows, signed zones are
// delegated with a DS, unsigned ones with a signed proof that there is
// none, and the profiles' DNSSEC faults are in the signatures and keys.
func TestZones(t *testing.T) {
	const n = 200
	e := draw(n, seedWithAll(t, n), netip.MustParseAddr(DefaultBase))
	dnsIP := netip.MustParseAddr("127.53.0.1")
	a, anchor, err := buildZones(t.Context(), e, dnsIP)
	if err != nil {
		t.Fatal(err)
	}
	addr, stop, err := dnstest.Listen("127.0.0.1:0", a)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	ask := func(name string, qtype uint16) *dns.Msg {
		t.Helper()
		m := new(dns.Msg)
		m.SetQuestion(name, qtype)
		m.SetEdns0(4096, true)
		r, _, err := (&dns.Client{Net: "tcp"}).Exchange(m, addr)
		if err != nil {
			t.Fatalf("%s %s: %v", name, dns.TypeToString[qtype], err)
		}
		return r
	}
	if r := ask(".", dns.TypeDNSKEY); len(r.Answer) == 0 || r.Answer[0].(*dns.DNSKEY).KeyTag() != anchor.KeyTag {
		t.Errorf("root DNSKEY %v, want the key of the anchor %v", r.Answer, anchor)
	}
	var aliased, signed, unsigned, bogus, weak *Org
	for _, o := range e.orgs {
		p := o.Profile
		switch {
		case p.WWW && o.Provider >= 0 && aliased == nil:
			aliased = o
		case p.DNSSEC && p.Bogus && bogus == nil:
			bogus = o
		case p.DNSSEC && p.WeakAlgorithm && weak == nil:
			weak = o
		case p.DNSSEC && !p.Bogus && !p.WeakAlgorithm && signed == nil:
			signed = o
		case !p.DNSSEC && unsigned == nil:
			unsigned = o
		}
	}
	if aliased == nil || signed == nil || unsigned == nil || bogus == nil || weak == nil {
		t.Fatalf("the estate lacks a case: %v %v %v %v %v", aliased, signed, unsigned, bogus, weak)
	}

	d := dns.Fqdn(aliased.Domain)
	r := ask("www."+d, dns.TypeA)
	var types []string
	for _, rr := range r.Answer {
		types = append(types, dns.TypeToString[rr.Header().Rrtype]+":"+rr.Header().Name)
	}
	want := []string{"CNAME:www." + d, "A:" + d}
	if aliased.Profile.DNSSEC {
		want = []string{"CNAME:www." + d, "RRSIG:www." + d, "A:" + d, "RRSIG:" + d}
	}
	if !slices.Equal(types, want) || r.Rcode != dns.RcodeSuccess {
		t.Errorf("www.%s A: %s %v, want the alias followed: %v", d, dns.RcodeToString[r.Rcode], types, want)
	}

	d = dns.Fqdn(signed.Domain)
	r = ask(d, dns.TypeDS)
	key := ask(d, dns.TypeDNSKEY)
	if len(r.Answer) != 2 || len(key.Answer) == 0 || r.Answer[0].(*dns.DS).KeyTag != key.Answer[0].(*dns.DNSKEY).KeyTag() {
		t.Errorf("DS %s: %v, want the DS of its key %v, signed", d, r.Answer, key.Answer)
	} else if sig := r.Answer[1].(*dns.RRSIG); sig.SignerName != "test." {
		t.Errorf("DS %s signed by %s, want test.", d, sig.SignerName)
	}

	d = dns.Fqdn(unsigned.Domain)
	r = ask(d, dns.TypeDS)
	var proof bool
	for _, rr := range r.Ns {
		if n, ok := rr.(*dns.NSEC); ok && n.Header().Name == d {
			proof = slices.Contains(n.TypeBitMap, dns.TypeNS) && !slices.Contains(n.TypeBitMap, dns.TypeDS)
		}
	}
	if len(r.Answer) != 0 || !proof {
		t.Errorf("DS %s: answer %v, authority %v; want none and the NSEC of a delegation without DS", d, r.Answer, r.Ns)
	}
	if r := ask(d, dns.TypeA); len(r.Answer) != 1 {
		t.Errorf("A %s: %v, want one record without signature", d, r.Answer)
	}

	d = dns.Fqdn(bogus.Domain)
	r = ask(d, dns.TypeA)
	if sig, ok := r.Answer[len(r.Answer)-1].(*dns.RRSIG); !ok || sig.ValidityPeriod(time.Now()) {
		t.Errorf("A %s (bogus): %v, want an expired signature", d, r.Answer)
	}
	d = dns.Fqdn(weak.Domain)
	if r := ask(d, dns.TypeDNSKEY); len(r.Answer) == 0 || r.Answer[0].(*dns.DNSKEY).Algorithm != dns.RSASHA1 {
		t.Errorf("DNSKEY %s (weak algorithm): %v, want RSASHA1", d, r.Answer)
	} else if k, _ := base64.StdEncoding.DecodeString(r.Answer[0].(*dns.DNSKEY).PublicKey); len(k) < 256 {
		t.Errorf("DNSKEY %s (weak algorithm): %d bytes, want a key of 2048 bits", d, len(k))
	}
}

// BenchmarkBuildZones builds and signs the zones of 10,000
// organisations, what Start spends on DNS before serving.
func BenchmarkBuildZones(b *testing.B) {
	e := draw(10000, 1, netip.MustParseAddr(DefaultBase))
	ip := netip.MustParseAddr("127.53.0.1")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for b.Loop() {
		a, _, err := buildZones(b.Context(), e, ip)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(a)
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MiB")
}

// TestStartDNSBusy: a DNS address in use is told in the system's words.
func TestStartDNSBusy(t *testing.T) {
	b := testBase().As4()
	pc, err := net.ListenPacket("udp", fmt.Sprintf("127.%d.%d.254:0", b[1], b[2]))
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	l, err := Start(t.Context(), Config{N: 1, BaseAddr: netip.AddrFrom4(b), DNSAddr: pc.LocalAddr().String()})
	if err == nil {
		l.Close()
		t.Fatal("Start on a busy DNS address succeeded")
	}
	if msg := err.Error(); !strings.Contains(msg, "address already in use") || strings.Contains(msg, "dnstest") {
		t.Errorf("error %q, want the system's words without the fake's name", msg)
	}
}

// TestDelayedAudit checks that an audit of a lab with a simulated round
// trip finds what it finds without one, and that the lab counts the
// connections it received per address.
func TestDelayedAudit(t *testing.T) {
	const n = 20
	audit := func(d netdelay.Delay) (ids []string, conns map[netip.AddrPort]int64, addr netip.Addr) {
		base := testBase()
		b := base.As4()
		l, err := Start(t.Context(), Config{N: n, Seed: 3, BaseAddr: base, Delay: d,
			DNSAddr:  fmt.Sprintf("127.%d.%d.254:0", b[1], b[2]),
			HTTPPort: 8080, HTTPSPort: 8443, SMTPPort: 2525})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(l.CAPEM)
		cfg := engine.Config{AddressPolicy: guard.LabPolicy(), Resolver: l.Resolver, Anchors: []dns.RR{l.AnchorRR}, AnchorName: "lab", Roots: roots, RootsName: "lab CA",
			Timeout: 60 * time.Second, HTTPPort: 8080, HTTPSPort: 8443, SMTPPort: 2525, Version: "test"}
		var org *Org
		for _, o := range l.Orgs {
			if o.Profile.HTTPS && o.Profile.Mail == "starttls" {
				org = o
				break
			}
		}
		if org == nil {
			t.Fatal("no organisation with HTTPS and mail in the estate")
		}
		tg, err := target.Parse(org.Domain)
		if err != nil {
			t.Fatal(err)
		}
		res := engine.Audit(t.Context(), cfg, tg)
		if res.Error != "" {
			t.Fatalf("%s (delay %v): %s", org.Domain, d, res.Error)
		}
		for _, f := range res.Findings {
			ids = append(ids, f.ID)
		}
		slices.Sort(ids)
		return ids, l.Connections(), org.Addr
	}
	plain, _, _ := audit(netdelay.Delay{})
	delayed, conns, addr := audit(netdelay.Delay{RTT: 10 * time.Millisecond, Jitter: 2 * time.Millisecond})
	if !slices.Equal(plain, delayed) {
		t.Errorf("findings with a 10 ms round trip:\n%v\nwithout:\n%v", delayed, plain)
	}
	if conns[netip.AddrPortFrom(addr, 8443)] == 0 {
		t.Errorf("no HTTPS connection counted for %s among %v", addr, conns)
	}
}
