package engine

import (
	"context"
	"net"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/dnstest"
	"vigie.eu/vigie/internal/engine/enginetest"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/probe"
	"vigie.eu/vigie/internal/probe/dnsprobe"
	"vigie.eu/vigie/internal/target"
	"vigie.eu/vigie/internal/tlstest"
)

func labConfig(lab *enginetest.Lab) Config {
	return Config{
		Resolver:      lab.Resolver,
		Anchors:       lab.Anchors,
		AnchorName:    "lab root",
		Roots:         lab.CA.Pool(),
		RootsName:     "lab CA",
		Timeout:       20 * time.Second,
		HTTPPort:      lab.HTTPPort,
		HTTPSPort:     lab.HTTPSPort,
		SMTPPort:      lab.SMTPPort,
		Version:       "test",
		AddressPolicy: guard.LabPolicy(),
	}
}

func mustParse(t *testing.T, s string) target.Target {
	t.Helper()
	tg, err := target.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func ids(fs []audit.Finding) map[string]bool {
	m := map[string]bool{}
	for _, f := range fs {
		m[f.ID] = true
	}
	return m
}

// TestAuditGoodSite audits a well-configured site of the lab: every probe
// must have observed it, and no check may find anything above low.
func TestAuditGoodSite(t *testing.T) {
	lab := enginetest.NewLab(t)
	res := Audit(t.Context(), labConfig(lab), mustParse(t, "https://GOOD.test./page"))
	if res.Error != "" {
		t.Fatalf("Error = %q", res.Error)
	}
	if res.Domain != "good.test" || res.Input != "https://GOOD.test./page" || res.Version != "test" || res.Time.IsZero() {
		t.Errorf("result header = %q %q %q %v", res.Domain, res.Input, res.Version, res.Time)
	}
	for _, e := range res.CheckErrors {
		t.Errorf("check error: %s", e)
	}
	o := res.Observations
	if o == nil || o.DNS == nil {
		t.Fatal("no DNS observation")
	}
	if o.CutShort != nil || res.Score == nil || res.Score.Incomplete {
		t.Errorf("CutShort %+v, score %+v: an audit that finished is complete", o.CutShort, res.Score)
	}
	// www is served by the same server, with the same certificate
	// (the lab's covers both): its TLS enumeration is the domain's, and
	// it says so.
	if tw := o.TLS[1]; tw == nil || tw.EnumeratedFrom != "good.test" || !reflect.DeepEqual(tw.Protocols, o.TLS[0].Protocols) || tw.Verification == nil || tw.Handshake == nil {
		t.Errorf("www TLS: %+v, want the domain's enumeration, its own handshake and verification", tw)
	}
	if o.TLS[0].EnumeratedFrom != "" {
		t.Errorf("good.test TLS: enumerated from %q, want itself", o.TLS[0].EnumeratedFrom)
	}
	// Every connection is counted, by address and port: the web port
	// of the lab's address at least.
	total := 0
	for _, c := range o.Connections {
		if c.Count <= 0 || c.Address == "" {
			t.Errorf("connections: %+v", c)
		}
		total += c.Count
	}
	if len(o.Connections) == 0 || total < 4 {
		t.Errorf("connections %+v, want the audit's TLS, HTTP and SMTP connections counted", o.Connections)
	}
	if !o.DNS.Exists || o.DNS.Resolver != lab.Resolver {
		t.Errorf("DNS: exists %v, resolver %q", o.DNS.Exists, o.DNS.Resolver)
	}
	if o.DNS.DNSSEC == nil || o.DNS.DNSSEC.Status != audit.DNSSECSecure {
		t.Errorf("DNSSEC = %+v, want secure", o.DNS.DNSSEC)
	}
	if len(o.TLS) != 2 {
		t.Fatalf("%d TLS observations, want 2", len(o.TLS))
	}
	for i, host := range []string{"good.test", "www.good.test"} {
		tl := o.TLS[i]
		if tl.Host != host || tl.Port != lab.HTTPSPort || tl.Error != "" {
			t.Errorf("TLS[%d] = %s:%d error %q", i, tl.Host, tl.Port, tl.Error)
		}
		if tl.Verification == nil || !tl.Verification.Trusted || !tl.Verification.HostnameMatch || tl.Verification.Roots != "lab CA" {
			t.Errorf("TLS[%d] verification = %+v", i, tl.Verification)
		}
		tls13 := false
		for _, p := range tl.Protocols {
			tls13 = tls13 || p.Version == audit.TLS13 && p.Accepted
		}
		if !tls13 {
			t.Errorf("TLS[%d]: TLS 1.3 not seen accepted: %+v", i, tl.Protocols)
		}
	}
	if len(o.HTTP) != 4 {
		t.Fatalf("%d HTTP observations, want 4", len(o.HTTP))
	}
	for i, h := range o.HTTP {
		f := h.Final()
		if h.Error != "" || f == nil || f.Status != 200 || !strings.HasPrefix(f.URL, "https://") {
			t.Errorf("HTTP[%d] %s: error %q, final %+v", i, h.URL, h.Error, f)
		}
	}
	if want := "http://good.test:"; !strings.HasPrefix(o.HTTP[0].URL, want) {
		t.Errorf("HTTP[0].URL = %q, want prefix %q", o.HTTP[0].URL, want)
	}
	if o.SecurityTxt == nil || o.SecurityTxt.Status != 200 || o.SecurityTxt.Error != "" {
		t.Errorf("security.txt = %+v", o.SecurityTxt)
	}
	checkGoodMail(t, o.Mail, lab, false)
	for _, f := range res.Findings {
		if f.Severity > audit.Low {
			t.Errorf("false alarm on a good site: %s %s %s: %s", f.Severity, f.ID, f.Subject, f.Evidence)
		}
	}
	if s := res.Score; s == nil || s.Grade != "A+" || len(s.Areas) != 4 {
		t.Errorf("score = %+v, want A+ with its four areas observed", s)
	}
}

// checkGoodMail checks what the mail probe saw of good.test: its MX with
// STARTTLS and TLS 1.3, its DANE record validated, SPF, DMARC, MTA-STS in
// enforce mode, TLS-RPT, and the DKIM key when its selector was given.
func checkGoodMail(t *testing.T, m *audit.MailObservation, lab *enginetest.Lab, selectorGiven bool) {
	t.Helper()
	if m == nil || m.Error != "" || m.MX == nil || len(m.MX.Hosts) != 1 {
		t.Fatalf("mail = %+v, want one MX host", m)
	}
	h := m.MX.Hosts[0]
	if h.Name != "mx.good.test" || len(h.SMTP) != 1 {
		t.Fatalf("MX host %+v, want mx.good.test with one address", h)
	}
	s := h.SMTP[0]
	if want := "127.0.0.1:" + strconv.Itoa(lab.SMTPPort); s.Address != want || s.Error != "" || !s.STARTTLS || s.STARTTLSCode != 220 || s.TLSError != "" {
		t.Errorf("SMTP = %+v, want STARTTLS on %s", s, want)
	}
	if s.TLS == nil || s.TLS.Verification == nil || !s.TLS.Verification.Trusted || !s.TLS.Verification.HostnameMatch {
		t.Errorf("TLS through STARTTLS = %+v, want a valid certificate for mx.good.test", s.TLS)
	}
	if h.TLSA == nil || len(h.TLSA.Records) != 1 || h.TLSA.DNSSEC != audit.DNSSECSecure {
		t.Errorf("TLSA = %+v, want one secure record", h.TLSA)
	}
	if m.SPF == nil || len(m.SPF.Records) != 1 || m.DMARC == nil || m.DMARC.Policy != "reject" {
		t.Errorf("SPF %+v, DMARC %+v", m.SPF, m.DMARC)
	}
	if m.MTASTS == nil || m.MTASTS.Mode != "enforce" || m.MTASTS.FetchError != "" {
		t.Errorf("MTA-STS = %+v, want a policy in enforce mode", m.MTASTS)
	}
	if m.TLSRPT == nil || len(m.TLSRPT.Records) != 1 {
		t.Errorf("TLS-RPT = %+v", m.TLSRPT)
	}
	found := false
	for _, k := range m.DKIM.Selectors {
		if k.Selector == enginetest.DKIMSelector {
			found = k.Found && k.KeyType == "ed25519" && k.KeyBits == 256 && k.Given
		}
	}
	if found != selectorGiven {
		t.Errorf("DKIM key of %s found %v, want %v: %+v", enginetest.DKIMSelector, found, selectorGiven, m.DKIM)
	}
}

// TestAuditDKIMSelector: the selector given is looked up, and its key
// found; without it, the lab's selector is not among the common ones.
func TestAuditDKIMSelector(t *testing.T) {
	lab := enginetest.NewLab(t)
	cfg := labConfig(lab)
	cfg.DKIMSelectors = []string{enginetest.DKIMSelector}
	res := Audit(t.Context(), cfg, mustParse(t, "good.test"))
	checkGoodMail(t, res.Observations.Mail, lab, true)
	if got := ids(res.Findings); got["mail.dkim.not_found"] {
		t.Errorf("mail.dkim.not_found with the selector given: %v", got)
	}
}

// TestAuditBadSite audits the lab's unprotected site and checks that the
// findings of every area show up, most severe first.
func TestAuditBadSite(t *testing.T) {
	lab := enginetest.NewLab(t)
	res := Audit(t.Context(), labConfig(lab), mustParse(t, "example.test"))
	if res.Error != "" {
		t.Fatalf("Error = %q", res.Error)
	}
	got := ids(res.Findings)
	for _, id := range []string{"dns.dnssec.missing", "http.hsts.missing", "http.redirect.missing", "http.csp.missing", "http.cookie.no_secure", "http.disclosure.powered_by",
		"mail.starttls.missing", "mail.spf.pass_all", "mail.dmarc.missing", "mail.mtasts.missing", "mail.tlsrpt.missing"} {
		if !got[id] {
			t.Errorf("finding %s missing; got %v", id, got)
		}
	}
	for i := 1; i < len(res.Findings); i++ {
		if res.Findings[i].Severity > res.Findings[i-1].Severity {
			t.Errorf("findings not sorted by severity at %d: %v after %v", i, res.Findings[i].Severity, res.Findings[i-1].Severity)
		}
	}
}

// TestAuditNoWWW: www.DOMAIN does not exist; its probes are skipped with
// the reason recorded, the domain's own are run.
func TestAuditNoWWW(t *testing.T) {
	lab := enginetest.NewLab(t)
	res := Audit(t.Context(), labConfig(lab), mustParse(t, "nowww.test"))
	if res.Error != "" {
		t.Fatalf("Error = %q", res.Error)
	}
	o := res.Observations
	if o.TLS[0].Error != "" || len(o.TLS[0].Protocols) == 0 {
		t.Errorf("TLS of nowww.test: error %q, %d protocols", o.TLS[0].Error, len(o.TLS[0].Protocols))
	}
	if !strings.Contains(o.TLS[1].Error, "no address for www.nowww.test") {
		t.Errorf("TLS[1].Error = %q", o.TLS[1].Error)
	}
	for _, h := range o.HTTP[2:] {
		if !strings.Contains(h.Error, "no address for www.nowww.test") || len(h.Responses) != 0 {
			t.Errorf("HTTP %s: error %q, %d responses", h.URL, h.Error, len(h.Responses))
		}
	}
}

// TestAuditNXDOMAIN: a domain that does not exist is an error, with no
// finding.
func TestAuditNXDOMAIN(t *testing.T) {
	lab := enginetest.NewLab(t)
	res := Audit(t.Context(), labConfig(lab), mustParse(t, "absent.test"))
	if res.Error != ErrNoSuchDomain {
		t.Errorf("Error = %q, want %q", res.Error, ErrNoSuchDomain)
	}
	if len(res.Findings) != 0 || res.Findings == nil {
		t.Errorf("Findings = %#v, want an empty list", res.Findings)
	}
	if res.Observations == nil || res.Observations.DNS == nil || res.Observations.DNS.Exists {
		t.Errorf("DNS observation = %+v, want one that says the domain does not exist", res.Observations)
	}
}

// TestAuditInterval: the result's start and wall time bound the call
// itself. A campaign's per-address cap is checked against time +
// duration_ms, so the end they give may not fall after Audit returned.
func TestAuditInterval(t *testing.T) {
	lab := enginetest.NewLab(t)
	cfg := labConfig(lab)
	for range 5 {
		before := time.Now()
		res := Audit(t.Context(), cfg, mustParse(t, "good.test"))
		after := time.Now()
		end := res.Time.Add(time.Duration(res.DurationMS) * time.Millisecond)
		if res.Time.Before(before.Truncate(0)) || end.After(after.Truncate(0)) {
			t.Fatalf("audit recorded %s + %d ms (ends %s), the call ran from %s to %s",
				res.Time.Format(time.RFC3339Nano), res.DurationMS, end.Format(time.RFC3339Nano),
				before.UTC().Format(time.RFC3339Nano), after.UTC().Format(time.RFC3339Nano))
		}
	}
}

// TestAuditDeadServers: the domain resolves but its servers accept and
// never answer. Every probe must give up with an error by the deadline.
func TestAuditDeadServers(t *testing.T) {
	dnsSrv := dnstest.NewServer(t, `
		dead.test.     300 IN SOA ns.dead.test. h.dead.test. 1 7200 3600 1209600 300
		dead.test.     300 IN NS  ns.dead.test.
		ns.dead.test.  300 IN A   127.0.0.1
		dead.test.     300 IN A   127.0.0.1
		www.dead.test. 300 IN A   127.0.0.1
	`)
	hang := tlstest.NewRawServer(t, tlstest.Hang)
	_, port, _ := net.SplitHostPort(hang)
	p, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{AddressPolicy: guard.LabPolicy(), Resolver: dnsSrv.Addr, Timeout: time.Second, HTTPPort: p, HTTPSPort: p, SMTPPort: p}
	start := time.Now()
	res := Audit(t.Context(), cfg, mustParse(t, "dead.test"))
	// Generous bound: the point is that the deadline is honoured, not
	// how precisely.
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("audit with a 1s timeout took %v", d)
	}
	if res.Error != "" {
		t.Errorf("Error = %q; a dead server is an observation, not a failed audit", res.Error)
	}
	o := res.Observations
	for _, tl := range o.TLS {
		if tl.Error == "" {
			failed := 0
			for _, pr := range tl.Protocols {
				if pr.Error != "" || !pr.Accepted {
					failed++
				}
			}
			if failed != len(tl.Protocols) {
				t.Errorf("TLS %s: no error and protocols %+v", tl.Host, tl.Protocols)
			}
		}
	}
	for _, h := range o.HTTP {
		if h.Error == "" {
			t.Errorf("HTTP %s: no error", h.URL)
		}
	}
	if o.SecurityTxt == nil || o.SecurityTxt.Error == "" {
		t.Errorf("security.txt: %+v, want an error", o.SecurityTxt)
	}
	// Servers that never answer hold probes until the deadline, which
	// the result says (which probes exactly depends on their own
	// timeouts: the HTTP ones wait for the deadline).
	if o.CutShort == nil || o.CutShort.DeadlineMS != 1000 || len(o.CutShort.Probes) == 0 || res.Score == nil || !res.Score.Incomplete {
		t.Errorf("CutShort = %+v, score %+v: want the probes the deadline ended, and the score incomplete", o.CutShort, res.Score)
	}
	// The implicit MX (dead.test has no MX) hangs on SMTP too.
	if m := o.Mail; m == nil || m.MX == nil || len(m.MX.Hosts) != 1 || len(m.MX.Hosts[0].SMTP) != 1 || m.MX.Hosts[0].SMTP[0].Error == "" {
		t.Errorf("mail: %+v, want a failed SMTP session with the implicit MX", o.Mail)
	}
}

// TestAuditNoMXPortClosed: a domain without MX whose address refuses SMTP
// (the usual web-only domain). Connection refused comes at once, so the
// mail probe does not hold the audit, and the only mail findings are those
// the RFCs justify: no MX nor null MX (RFC 7505), no SPF (RFC 7208), no
// DMARC (RFC 7489); not MTA-STS, TLS-RPT, DANE nor STARTTLS, which concern
// a domain that receives mail. mail.dkim.not_found is an info (no points):
// DNS cannot say whether the domain signs its mail.
func TestAuditNoMXPortClosed(t *testing.T) {
	dnsSrv := dnstest.NewServer(t, `
		web.test.     300 IN SOA ns.web.test. h.web.test. 1 7200 3600 1209600 300
		web.test.     300 IN NS  ns.web.test.
		ns.web.test.  300 IN A   127.0.0.1
		web.test.     300 IN A   127.0.0.1
	`)
	// A port that was just free: nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cfg := Config{AddressPolicy: guard.LabPolicy(), Resolver: dnsSrv.Addr, Timeout: 20 * time.Second, HTTPPort: closed, HTTPSPort: closed, SMTPPort: closed}
	res := Audit(t.Context(), cfg, mustParse(t, "web.test"))
	m := res.Observations.Mail
	if m == nil || m.MX == nil || !m.MX.Implicit || len(m.MX.Hosts) != 1 || len(m.MX.Hosts[0].SMTP) != 1 {
		t.Fatalf("mail = %+v, want the implicit MX web.test probed once", m)
	}
	if s := m.MX.Hosts[0].SMTP[0]; !strings.Contains(s.Error, "connection refused") {
		t.Errorf("SMTP = %+v, want connection refused", s)
	}
	var got []string
	for _, f := range res.Findings {
		if strings.HasPrefix(f.ID, "mail.") {
			got = append(got, f.ID)
		}
	}
	want := []string{"mail.dmarc.missing", "mail.spf.missing", "mail.mx.missing", "mail.dkim.not_found"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("mail findings %q, want %q", got, want)
	}
}

// TestAuditSilentResolver: the resolver never answers; the audit ends by
// its deadline in error, with no score and the failed queries kept.
func TestAuditSilentResolver(t *testing.T) {
	dnsSrv := dnstest.NewServer(t, `
		silent.test. 300 IN SOA ns.silent.test. h.silent.test. 1 7200 3600 1209600 300
	`, dnstest.Silent())
	res := Audit(t.Context(), Config{AddressPolicy: guard.LabPolicy(), Resolver: dnsSrv.Addr, Timeout: time.Second}, mustParse(t, "silent.test"))
	if want := ErrNoDNSAnswer + ": i/o timeout"; res.Error != want {
		t.Errorf("Error = %q, want %q", res.Error, want)
	}
	if m := res.ErrorMessage; m == nil || m.Code != CodeNoDNSAnswer || len(m.Items) != 1 || m.Items[0].Code != "net.timeout" {
		t.Errorf("ErrorMessage = %+v, want %s with the failure net.timeout", m, CodeNoDNSAnswer)
	}
	if res.Score != nil || len(res.Findings) > 0 {
		t.Errorf("score %+v and %d findings from a silent resolver, want none", res.Score, len(res.Findings))
	}
	o := res.Observations
	if o.DNS == nil || len(o.DNS.Queries) == 0 {
		t.Fatalf("DNS = %+v, want failed queries", o.DNS)
	}
	for _, q := range o.DNS.Queries {
		if q.Error == "" {
			t.Errorf("query %s %s answered by a silent server", q.Name, q.Type)
		}
	}
	if o.TLS != nil || o.HTTP != nil || o.Mail != nil {
		t.Errorf("TLS %v, HTTP %v, mail %v kept; want only DNS", o.TLS, o.HTTP, o.Mail)
	}
}

// TestAuditServfail: a resolver that answers SERVFAIL about the domain
// (its name servers are dead, its delegation is broken) gives an audit
// in error that says so.
func TestAuditServfail(t *testing.T) {
	dnsSrv := dnstest.NewServer(t, `
		broken.test. 300 IN SOA ns.broken.test. h.broken.test. 1 7200 3600 1209600 300
	`, dnstest.Modify(func(req, resp *dns.Msg) {
		resp.Rcode = dns.RcodeServerFailure
		resp.Answer, resp.Ns = nil, nil
	}))
	res := Audit(t.Context(), Config{AddressPolicy: guard.LabPolicy(), Resolver: dnsSrv.Addr, Timeout: 5 * time.Second}, mustParse(t, "broken.test"))
	if want := ErrNoDNSAnswer + ": SERVFAIL"; res.Error != want {
		t.Errorf("Error = %q, want %q", res.Error, want)
	}
	if m := res.ErrorMessage; m == nil || m.Code != CodeNoDNSAnswer || len(m.Items) != 1 || m.Items[0].Code != "dns.servfail" {
		t.Errorf("ErrorMessage = %+v, want %s with the failure dns.servfail", m, CodeNoDNSAnswer)
	}
	if res.Score != nil {
		t.Errorf("score %+v, want none", res.Score)
	}
}

// TestAuditCancelled: an audit whose caller gives up says so.
func TestAuditCancelled(t *testing.T) {
	lab := enginetest.NewLab(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	res := Audit(ctx, labConfig(lab), mustParse(t, "good.test"))
	if res.Error != ErrCancelled {
		t.Errorf("Error = %q, want %q", res.Error, ErrCancelled)
	}
}

// TestAuditCheckPanic: a check that panics is reported and the others'
// findings kept.
func TestAuditCheckPanic(t *testing.T) {
	lab := enginetest.NewLab(t)
	cfg := labConfig(lab)
	cfg.Checks = []audit.Check{
		audit.CheckFunc("boom", func(*audit.Observations) []audit.Finding { panic("boom") }),
		audit.CheckFunc("fine", func(o *audit.Observations) []audit.Finding {
			return []audit.Finding{{ID: "x.fine", Subject: o.Domain}}
		}),
	}
	res := Audit(t.Context(), cfg, mustParse(t, "good.test"))
	if len(res.CheckErrors) != 1 || !strings.Contains(res.CheckErrors[0], "boom") {
		t.Errorf("CheckErrors = %q", res.CheckErrors)
	}
	if len(res.Findings) != 1 || res.Findings[0].ID != "x.fine" {
		t.Errorf("Findings = %+v", res.Findings)
	}
}

func TestRoots(t *testing.T) {
	t.Setenv("SSL_CERT_FILE", "testdata/none.pem")
	_, name, _ := Roots()
	if name != "SSL_CERT_FILE=testdata/none.pem" {
		t.Errorf("name = %q", name)
	}
	t.Setenv("SSL_CERT_FILE", "")
	if _, name, _ := Roots(); name != "system" {
		t.Errorf("name = %q", name)
	}
}

// BenchmarkAudit times whole audits of the lab's domains, all on
// loopback: the figure to compare before and after a change of the
// probes.
func BenchmarkAudit(b *testing.B) {
	lab := enginetest.NewLab(b)
	for _, domain := range []string{"good.test", "example.test"} {
		b.Run(domain, func(b *testing.B) {
			tg, err := target.Parse(domain)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if res := Audit(b.Context(), labConfig(lab), tg); res.Error != "" {
					b.Fatal(res.Error)
				}
			}
		})
	}
}

// labLookup returns a Lookup that asks the lab's DNS server, as the
// engine's own would.
func labLookup(t *testing.T, lab *enginetest.Lab) probe.LookupFunc {
	p, err := dnsprobe.New(dnsprobe.Config{Server: lab.Resolver})
	if err != nil {
		t.Fatal(err)
	}
	return p.LookupNetIP
}

// TestAuditProbePanic: a panic inside a probe, even in a goroutine that
// net/http started (the MTA-STS fetch's dial) or before the probes of a
// host, becomes the error observation of that probe; the rest of the
// audit is kept.
func TestAuditProbePanic(t *testing.T) {
	lab := enginetest.NewLab(t)
	cfg := labConfig(lab)
	lookup := labLookup(t, lab)
	cfg.Lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
		if host == "www.good.test" || host == "mta-sts.good.test" {
			panic("lookup exploded")
		}
		return lookup(ctx, host)
	}
	res := Audit(t.Context(), cfg, mustParse(t, "good.test"))
	o := res.Observations
	if res.Error != "" || o == nil {
		t.Fatalf("Error = %q, want an audit", res.Error)
	}
	if o.TLS[0].Error != "" || len(o.TLS[0].Protocols) == 0 {
		t.Errorf("TLS of good.test: Error %q, %d protocols; want it probed", o.TLS[0].Error, len(o.TLS[0].Protocols))
	}
	for _, e := range []string{o.TLS[1].Error, o.HTTP[2].Error, o.HTTP[3].Error} {
		if !strings.Contains(e, "panicked: lookup exploded") {
			t.Errorf("www error = %q, want the panic", e)
		}
	}
	if o.Mail == nil || o.Mail.MTASTS == nil || !strings.Contains(o.Mail.MTASTS.FetchError, "panic: lookup exploded") {
		t.Errorf("MTA-STS = %+v, want the panic as its error", o.Mail.MTASTS)
	}
	if res.Score == nil {
		t.Error("no score: the audit should be graded on what it saw")
	}
}

// TestAuditDeadline: a probe that ignores its context (here the lookup of
// www, which never returns) is given up half a second after the audit's
// deadline; the audit ends, and says why www is missing.
func TestAuditDeadline(t *testing.T) {
	lab := enginetest.NewLab(t)
	cfg := labConfig(lab)
	cfg.Timeout = 2 * time.Second
	lookup := labLookup(t, lab)
	never := make(chan struct{})
	t.Cleanup(func() { close(never) })
	cfg.Lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
		if host == "www.good.test" {
			<-never // deaf to ctx
		}
		return lookup(ctx, host)
	}
	start := time.Now()
	res := Audit(t.Context(), cfg, mustParse(t, "good.test"))
	// A bound on the deadline's keeping, not a speed measurement: the
	// audit must not wait for the stuck probe.
	if d := time.Since(start); d > cfg.Timeout+time.Second {
		t.Errorf("audit took %v with a %v timeout, want at most the timeout plus a second", d, cfg.Timeout)
	}
	o := res.Observations
	if o == nil || o.TLS[1].Error != errGivenUp || o.HTTP[3].Error != errGivenUp {
		t.Fatalf("www observations = %+v, %+v; want %q", o.TLS[1], o.HTTP[3], errGivenUp)
	}
	if o.TLS[0].Error != "" {
		t.Errorf("TLS of good.test: %q, want it probed", o.TLS[0].Error)
	}
	// The result says what the deadline took, and the score that it is
	// incomplete.
	if o.CutShort == nil || o.CutShort.DeadlineMS != 2000 {
		t.Fatalf("CutShort = %+v, want the 2000 ms deadline", o.CutShort)
	}
	got := strings.Join(o.CutShort.Probes, ", ")
	for _, want := range []string{"tls www.good.test", o.HTTP[2].URL, o.HTTP[3].URL} {
		if !slices.Contains(o.CutShort.Probes, want) {
			t.Errorf("CutShort.Probes = %s, want %q among them", got, want)
		}
	}
	if slices.Contains(o.CutShort.Probes, "tls good.test") {
		t.Errorf("CutShort.Probes = %s: good.test's TLS probe finished", got)
	}
	if res.Score == nil || !res.Score.Incomplete {
		t.Errorf("score %+v, want it marked incomplete", res.Score)
	}
}

// TestErrorCode checks that results stored before Result.ErrorMessage
// existed get the code their text gives, and that the message wins.
func TestErrorCode(t *testing.T) {
	for _, tt := range []struct {
		res  *audit.Result
		want string
	}{
		{&audit.Result{}, ""},
		{&audit.Result{Error: ErrNoDNSAnswer + ": SERVFAIL"}, CodeNoDNSAnswer},
		{&audit.Result{Error: ErrNoSuchDomain}, CodeNoSuchDomain},
		{&audit.Result{Error: ErrSpecialName + ": localhost"}, CodeSpecialName},
		{&audit.Result{Error: "no DNS answer, says the text", ErrorMessage: &audit.Message{Code: CodeCancelled}}, CodeCancelled},
	} {
		if got := ErrorCode(tt.res); got != tt.want {
			t.Errorf("ErrorCode(%q) = %q, want %q", tt.res.Error, got, tt.want)
		}
	}
}
