// Package engine runs the audit of one domain: it starts the probes (DNS,
// TLS, HTTP, mail) concurrently under one deadline, gathers their observations and hands
// them to the checks.
//
// It is the only place where probes and checks meet. It decides nothing
// itself: what is good or bad is for the checks (internal/check), what is
// on the wire for the probes (internal/probe/...).
package engine

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/hosting"
	"vigie.eu/vigie/internal/probe"
	"vigie.eu/vigie/internal/probe/dnsprobe"
	"vigie.eu/vigie/internal/probe/httpprobe"
	"vigie.eu/vigie/internal/probe/mailprobe"
	"vigie.eu/vigie/internal/probe/pageprobe"
	"vigie.eu/vigie/internal/probe/servicesprobe"
	"vigie.eu/vigie/internal/probe/tlsprobe"
	"vigie.eu/vigie/internal/profile"
	"vigie.eu/vigie/internal/score"
	"vigie.eu/vigie/internal/target"
	"vigie.eu/vigie/internal/thirdparty"
	"vigie.eu/vigie/internal/version"
)

// DefaultTimeout is the deadline of a whole audit when Config.Timeout is
// zero.
const DefaultTimeout = 30 * time.Second

// ErrNoSuchDomain is the Result.Error of the audit of a domain that does
// not exist (NXDOMAIN).
const ErrNoSuchDomain = "domain does not exist"

// ErrNoDNSAnswer starts the Result.Error of the audit of a domain about
// which the DNS gave no answer at all (the resolver unreachable, every
// query timed out or got SERVFAIL); what came instead follows, after ": ".
const ErrNoDNSAnswer = "no DNS answer"

// ResolverSilent reports whether res is an audit in error for want of
// any DNS answer (ErrNoDNSAnswer) where no query got any response at all,
// not even SERVFAIL: timeouts, refused connections. The resolver may then
// be at fault rather than the domain.
func ResolverSilent(res *audit.Result) bool {
	if ErrorCode(res) != CodeNoDNSAnswer || res.Observations == nil || res.Observations.DNS == nil {
		return false
	}
	for _, q := range res.Observations.DNS.Queries {
		if q.Rcode != "" {
			return false
		}
	}
	return true
}

// ErrSpecialName starts the Result.Error of the audit of a special-use
// name ("localhost", ".local", ".internal"...), which is not on the
// public internet and is never audited.
const ErrSpecialName = "special-use name, not audited"

// ErrPanic starts the Result.Error of an audit that a bug of vigie's
// stopped (a panic outside the probes and checks, which recover their
// own).
const ErrPanic = "engine: internal error"

// ErrCancelled is the Result.Error of an audit cancelled by its caller
// (Ctrl-C) before its deadline.
const ErrCancelled = "audit cancelled"

// The codes of Result.ErrorMessage, one per Err constant above: what
// other packages compare, rather than the English text of Result.Error.
const (
	CodeNoSuchDomain = "audit.no_such_domain"
	CodeNoDNSAnswer  = "audit.no_dns_answer"
	CodeSpecialName  = "audit.special_name"
	CodePanic        = "audit.internal_error"
	CodeCancelled    = "audit.cancelled"
)

// ErrorCode returns the code of why res could not run, "" when it ran.
// Results stored before Result.ErrorMessage existed have only the text
// of Result.Error, whose known beginnings give the code.
func ErrorCode(res *audit.Result) string {
	switch {
	case res == nil || res.Error == "":
		return ""
	case res.ErrorMessage != nil:
		return res.ErrorMessage.Code
	case res.Error == ErrNoSuchDomain:
		return CodeNoSuchDomain
	case res.Error == ErrCancelled:
		return CodeCancelled
	case strings.HasPrefix(res.Error, ErrNoDNSAnswer):
		return CodeNoDNSAnswer
	case strings.HasPrefix(res.Error, ErrSpecialName):
		return CodeSpecialName
	}
	return CodePanic
}

// Config says how to audit. The zero value audits with the system's
// resolver and roots, the IANA root trust anchor, on ports 80 and 443.
type Config struct {
	// Resolver is the DNS server ("host:port") asked for every lookup of
	// the audit; "" means the system's (/etc/resolv.conf).
	Resolver string
	// Anchors are the DNSSEC trust anchors (DS or DNSKEY records of the
	// root); nil means the IANA root keys.
	Anchors []dns.RR
	// AnchorName names the anchors in the observations.
	AnchorName string
	// Roots are the trusted certificate roots; nil means the system's
	// (see Roots).
	Roots *x509.CertPool
	// RootsName names the roots in the observations ("system").
	RootsName string
	// Timeout is the deadline of the whole audit; 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// HTTPPort and HTTPSPort are the ports probed for http:// and for
	// https:// and TLS; 0 means 80 and 443. Other values are for labs
	// and tests.
	HTTPPort, HTTPSPort int
	// SMTPPort is the port probed on each mail host; 0 means 25. Other
	// values are for labs and tests.
	SMTPPort int
	// DKIMSelectors are DKIM selectors to look up besides the common
	// ones (DNS cannot list them).
	DKIMSelectors []string
	// Now is the clock, read once at the start of the audit; nil means
	// time.Now.
	Now func() time.Time
	// Version is the version of vigie, recorded in the result and sent
	// in the User-Agent.
	Version string
	// UserAgent is sent with every HTTP request of the probes (the web
	// and the MTA-STS policy); "" means version.UserAgent(Version, ""),
	// "vigie/VERSION (+project URL)".
	UserAgent string
	// Checks are the checks run; nil means check.All().
	Checks []audit.Check
	// AddressPolicy says which addresses the probes may connect to and
	// which target names may be audited; nil refuses every address
	// outside the public internet and every special-use name (see
	// package guard). Labs and tests allow their own ranges.
	AddressPolicy *guard.Policy
	// ConnLimit, when set, caps the TLS and SMTP connections open at
	// once to each address, shared with every audit given the same (a
	// campaign's): a mail relay or a hosting address that many audited
	// domains share is probed politely whatever the audits in flight.
	ConnLimit *guard.ConnLimit
	// Lookup, when set, resolves the host names that the TLS, web and
	// mail probes connect to, instead of a cache of the audit's own; a
	// campaign shares one cache across its audits this way. The DNS
	// probe asks its own questions whatever Lookup is: its
	// observations are the audit's own.
	Lookup probe.LookupFunc
	// Services runs the services probe (exposed risky ports and what
	// answers there; see internal/probe/servicesprobe): for operators
	// only, never in a public on-demand audit.
	Services bool
	// ServicesCache, when set, is shared by the audits of a campaign,
	// so that an address that many domains share is probed once.
	ServicesCache *servicesprobe.Cache
	// TLSCache, when set, is shared by the audits of a campaign: the
	// STARTTLS enumeration of a mail host that many domains use is made
	// once, and the others take it (TLSObservation.SharedFrom).
	TLSCache *tlsprobe.Cache
	// Hosting, when set, describes who hosts the names the audit met
	// (Observations.Hosting), from its IP data and providers table:
	// offline lookups, no traffic. nil records no hosting observation.
	Hosting *hosting.Describer
	// Category is the category of the organisation the audited domain
	// belongs to ("commune", "hôpital"...), recorded in the
	// observations for the checks that weigh by it; "" when unknown.
	Category string
	// ServicesPorts are the ports the services probe tries; nil means
	// servicesprobe.DefaultPorts. Other values are for labs and tests.
	ServicesPorts []servicesprobe.Port
	// Pages reads the home pages for the privacy and eco-design
	// indicators (Observations.Pages): the static reading of the HTML
	// the web probe fetched (see pageprobe.Static).
	Pages bool
	// Browser, when set, loads the home pages that the static reading
	// found in a headless Chromium (pageprobe.Browser, shared by the
	// audits of a process) instead: what scripts load and the cookies
	// they set, before any interaction. Pages must be set too.
	Browser *pageprobe.Browser
	// ThirdParties is the third-party table pages are matched against;
	// nil means the embedded one (thirdparty.Load).
	ThirdParties *thirdparty.Table
}

// NewTLSCache returns a cache of TLS enumerations for the audits of one
// campaign (Config.TLSCache).
func NewTLSCache() *tlsprobe.Cache { return tlsprobe.NewCache() }

// NewServicesCache returns a cache of the services probe for the audits
// of one campaign (Config.ServicesCache).
func NewServicesCache() *servicesprobe.Cache { return servicesprobe.NewCache() }

// Roots returns the system's trusted roots and how to name them: Go reads
// the file named by SSL_CERT_FILE instead of the system's on Linux, and
// the name says so ("SSL_CERT_FILE=/path") or is "system".
func Roots() (*x509.CertPool, string, error) {
	name := "system"
	if f := os.Getenv("SSL_CERT_FILE"); f != "" {
		name = "SSL_CERT_FILE=" + f
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		return nil, name, fmt.Errorf("engine: trusted roots (%s): %w", name, err)
	}
	return pool, name, nil
}

// timeout is the deadline of a whole audit.
func (cfg Config) timeout() time.Duration {
	if cfg.Timeout <= 0 {
		return DefaultTimeout
	}
	return cfg.Timeout
}

// Audit audits t and returns the result; it never returns nil and never
// panics. The probes run concurrently under one deadline (cfg.Timeout); a
// probe that fails records why in its observation. No goroutine started
// here outlives Audit.
func Audit(ctx context.Context, cfg Config, t target.Target) *audit.Result {
	// The audit's recorded start and its wall time are read from the same
	// instant, so that time + duration_ms is when it ended: a campaign's
	// per-address politeness is checked against that interval.
	wallStart := time.Now()
	start := wallStart.UTC()
	if cfg.Now != nil {
		start = cfg.Now().UTC()
	}
	cpuStart := processCPU()
	res := &audit.Result{Domain: t.Domain, Input: t.Input, Time: start, Version: cfg.Version, Findings: []audit.Finding{}}
	defer func() {
		res.DurationMS = time.Since(wallStart).Milliseconds()
		res.CPUMS = (processCPU() - cpuStart).Milliseconds()
	}()
	defer func() {
		// Whatever panics past the probes' and checks' own recovery
		// (the score, say) makes an audit in error, never the end of
		// a campaign nor a domain that every resume meets again.
		if r := recover(); r != nil {
			res.Error = fmt.Sprintf("%s: %v", ErrPanic, r)
			res.ErrorMessage = &audit.Message{Code: CodePanic, Params: map[string]string{"detail": audit.Quote(fmt.Sprint(r))}}
			res.Score = nil
		}
	}()
	if t.Domain == "" {
		res.Error = "engine: no domain"
		res.ErrorMessage = &audit.Message{Code: CodePanic, Params: map[string]string{"detail": audit.Quote(res.Error)}}
		return res
	}
	if err := cfg.AddressPolicy.CheckName(t.Domain); err != nil {
		res.Error = ErrSpecialName + ": " + t.Domain
		res.ErrorMessage = &audit.Message{Code: CodeSpecialName, Params: map[string]string{"name": t.Domain}}
		return res
	}

	auditCtx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()

	prober, err := dnsprobe.New(dnsprobe.Config{
		Server:     cfg.Resolver,
		Anchors:    cfg.Anchors,
		AnchorName: cfg.AnchorName,
		Now:        func() time.Time { return start },
	})
	if err != nil {
		res.Error = "engine: " + err.Error()
		res.ErrorMessage = &audit.Message{Code: CodePanic, Params: map[string]string{"detail": audit.Quote(res.Error)}}
		return res
	}

	o := runProbes(auditCtx, cancel, cfg, prober, t.Domain, start)
	res.Observations = o

	if ctx.Err() != nil {
		// The caller gave up (Ctrl-C): what was seen is incomplete
		// for a reason that is not the domain's.
		res.Error = ErrCancelled
		res.ErrorMessage = &audit.Message{Code: CodeCancelled}
		return res
	}
	if o.DNS != nil && !o.DNS.Exists && nxdomain(o.DNS, t.Domain) {
		res.Error = ErrNoSuchDomain
		res.ErrorMessage = &audit.Message{Code: CodeNoSuchDomain}
		o.TLS, o.HTTP, o.SecurityTxt, o.Mail, o.Services = nil, nil, nil, nil, nil
		return res
	}
	if !o.DNS.Answered(t.Domain) {
		// Nothing was learnt, and the domain's grade would be made
		// of what could not be seen: keep the DNS queries, which
		// say why.
		why := o.DNS.Failure(t.Domain)
		res.Error = ErrNoDNSAnswer + ": " + why
		m := audit.M(CodeNoDNSAnswer).WithItems(audit.Failure(why))
		res.ErrorMessage = &m
		o.TLS, o.HTTP, o.SecurityTxt, o.Mail, o.Services = nil, nil, nil, nil, nil
		return res
	}

	o.Category = cfg.Category
	if cfg.Hosting != nil {
		o.Hosting = cfg.Hosting.Observe(o, func(a netip.Addr) string { return string(cfg.AddressPolicy.Check(a)) })
	}

	checks := cfg.Checks
	if checks == nil {
		checks = check.All()
	}
	findings, errs := check.RunChecks(o, checks)
	res.Findings = findings
	for _, err := range errs {
		res.CheckErrors = append(res.CheckErrors, err.Error())
	}
	res.Score = judge(findings, o)
	return res
}

// judge scores the findings of o with today's rules and computes the
// comparison profiles beside the score: the score object an audit
// publishes.
func judge(findings []audit.Finding, o *audit.Observations) *audit.Score {
	s := score.Compute(findings, o)
	profile.Add(s, findings, o)
	return s
}

// nxdomain reports whether the DNS probe was told that domain does not
// exist, rather than failing to get an answer.
func nxdomain(d *audit.DNSObservation, domain string) bool {
	for _, q := range d.Queries {
		if q.Rcode == "NXDOMAIN" && dns.CanonicalName(q.Name) == dns.CanonicalName(domain) {
			return true
		}
	}
	return false
}

// probeGrace is how long Audit waits for the probes once the audit's
// deadline has passed: a probe that does not return by then (a bug, or a
// remote side that found a way around a deadline) is given up, and its
// observation says so.
const probeGrace = 500 * time.Millisecond

// slots guards the observations the probes fill: a probe's result is
// kept only if it arrives before Audit stops waiting.
type slots struct {
	mu     sync.Mutex
	closed bool
	// cut names the probes that returned after the deadline had passed:
	// it ended them.
	cut []string
}

// cutShort records that the deadline ended the probe label, unless
// Audit has stopped waiting (giveUp names those).
func (s *slots) cutShort(label string) {
	s.set(func() { s.cut = append(s.cut, label) })
}

// set runs f, which stores a probe's result, unless Audit has stopped
// waiting.
func (s *slots) set(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		f()
	}
}

// close stops the probes from storing anything more.
func (s *slots) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
}

// runProbes starts every probe and waits for all of them, or for the
// deadline plus probeGrace. When the DNS probe finds that the domain does
// not exist, the other probes are cancelled: they cannot see anything.
func runProbes(ctx context.Context, cancel context.CancelFunc, cfg Config, prober *dnsprobe.Prober, domain string, start time.Time) *audit.Observations {
	httpPort, httpsPort := cfg.HTTPPort, cfg.HTTPSPort
	if httpPort <= 0 {
		httpPort = 80
	}
	if httpsPort <= 0 {
		httpsPort = 443
	}
	lookup := probe.LookupFunc(prober.LookupNetIP)
	if cfg.Lookup != nil {
		lookup = cfg.Lookup
	}
	rootsName := cfg.RootsName
	if rootsName == "" && cfg.Roots == nil {
		// What the probes fall back on; see Roots.
		_, rootsName, _ = Roots()
	}
	// One guard for every connection of the audit; it records what it
	// refused.
	g := guard.New(cfg.AddressPolicy).Limit(cfg.ConnLimit)
	tcfg := tlsprobe.Config{
		Lookup:    lookup,
		Guard:     g,
		Roots:     cfg.Roots,
		RootsName: rootsName,
		Now:       func() time.Time { return start },
	}
	ua := cfg.UserAgent
	if ua == "" {
		ua = version.UserAgent(cfg.Version, "")
	}
	hcfg := httpprobe.Config{Lookup: lookup, Guard: g, Roots: cfg.Roots, UserAgent: ua, RedirectPorts: []int{httpPort, httpsPort}}
	// The web probes of the audit share their connections: a redirect to
	// https:// and security.txt reuse the TLS session of the https://
	// probe.
	hcfg.Connections = httpprobe.NewConnections(hcfg)
	defer hcfg.Connections.Close()

	www := "www." + domain
	o := &audit.Observations{
		Domain: domain,
		Time:   start,
		TLS:    make([]*audit.TLSObservation, 2),
		HTTP:   make([]*audit.HTTPObservation, 4),
	}
	var sl slots
	var wg sync.WaitGroup
	// run starts f in a goroutine; f stores its result with sl.set. A
	// panic of the probe becomes onPanic's error observation rather
	// than the end of the program.
	// label names the probe for Observations.CutShort; "" for a step
	// that only starts other probes.
	run := func(name, label string, f func(), onPanic func(msg string)) {
		wg.Go(func() {
			defer func() {
				if r := recover(); r != nil {
					msg := fmt.Sprintf("engine: %s panicked: %v", name, r)
					sl.set(func() { onPanic(msg) })
				}
			}()
			f()
			if label != "" && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				sl.cutShort(label)
			}
		})
	}

	run("dnsprobe", "dns", func() {
		d := prober.Probe(ctx, domain)
		sl.set(func() { o.DNS = d })
		if !d.Exists && nxdomain(d, domain) {
			cancel()
		}
	}, func(msg string) {
		o.DNS = &audit.DNSObservation{Resolver: cfg.Resolver, Exists: true, Queries: []audit.DNSQuery{{Name: domain, Type: "A", Error: msg}}}
	})

	// The mail probe asks the same prober, whose cache the other probes
	// share; the MTA-STS policy is fetched like the web, on HTTPSPort.
	mcfg := mailprobe.Config{
		DNS:        prober,
		Lookup:     lookup,
		Guard:      g,
		Roots:      cfg.Roots,
		RootsName:  rootsName,
		Now:        func() time.Time { return start },
		SMTPPort:   cfg.SMTPPort,
		MTASTSPort: httpsPort,
		Timeout:    mailTimeout,
		UserAgent:  ua,
		TLSCache:   cfg.TLSCache,
	}
	run("mailprobe", "mail", func() {
		m := mailprobe.Probe(ctx, mcfg, domain, cfg.DKIMSelectors)
		sl.set(func() { o.Mail = m })
	}, func(msg string) { o.Mail = &audit.MailObservation{Error: msg} })

	if cfg.Services {
		scfg := servicesprobe.Config{
			Lookup: lookup,
			Guard:  g,
			Cache:  cfg.ServicesCache,
			Ports:  cfg.ServicesPorts,
			MX: func(ctx context.Context, domain string) ([]string, error) {
				rrs, _, err := prober.Query(ctx, domain, dns.TypeMX)
				var hosts []string
				for _, rr := range rrs {
					if mx, ok := rr.(*dns.MX); ok {
						hosts = append(hosts, mx.Mx)
					}
				}
				return hosts, err
			},
		}
		run("servicesprobe", "services", func() {
			s := servicesprobe.Probe(ctx, scfg, domain)
			sl.set(func() { o.Services = s })
		}, func(msg string) { o.Services = &audit.ServicesObservation{Error: msg} })
	}

	// www's TLS probe waits for the domain's (while making its own first
	// hellos) and takes its enumeration when one server answers both
	// names the same (tlsprobe.ProbeLike): apexTLS holds the domain's
	// observation once apexDone is closed, nil when it has none.
	var apexTLS *audit.TLSObservation
	apexDone := make(chan struct{})
	apexPublish := sync.OnceFunc(func() { close(apexDone) })
	defer apexPublish()
	likeApex := func() *audit.TLSObservation {
		select {
		case <-apexDone:
			return apexTLS
		case <-ctx.Done():
			return nil
		}
	}
	for i, host := range []string{domain, www} {
		tlsSlot := &o.TLS[i]
		httpSlot, httpsSlot := &o.HTTP[2*i], &o.HTTP[2*i+1]
		httpURL := startURL("http", host, httpPort, 80)
		httpsURL := startURL("https", host, httpsPort, 443)
		run("resolve", "dns "+host, func() {
			// Resolve once before starting the probes of this host:
			// a host without address (often www) is recorded as such
			// and not probed further. The answer is cached by the
			// prober for the probes.
			if _, err := (&probe.Dialer{Lookup: lookup}).Resolve(ctx, host); err != nil {
				if host == domain {
					apexPublish()
				}
				msg := fmt.Sprintf("no address for %s: %v", host, err)
				sl.set(func() {
					*tlsSlot = &audit.TLSObservation{Host: host, Port: httpsPort, Error: msg}
					*httpSlot = &audit.HTTPObservation{URL: httpURL, Error: msg}
					*httpsSlot = &audit.HTTPObservation{URL: httpsURL, Error: msg}
				})
				return
			}
			run("tlsprobe", "tls "+host, func() {
				if host != domain {
					t := tlsprobe.ProbeLike(ctx, tcfg, host, httpsPort, likeApex)
					sl.set(func() { *tlsSlot = t })
					return
				}
				defer apexPublish()
				t := tlsprobe.Probe(ctx, tcfg, host, httpsPort)
				apexTLS = t
				sl.set(func() { *tlsSlot = t })
			}, func(msg string) { *tlsSlot = &audit.TLSObservation{Host: host, Port: httpsPort, Error: msg} })
			run("httpprobe", httpURL, func() {
				h := httpprobe.Probe(ctx, hcfg, httpURL)
				sl.set(func() { *httpSlot = h })
			}, func(msg string) { *httpSlot = &audit.HTTPObservation{URL: httpURL, Error: msg} })
			run("httpprobe", httpsURL, func() {
				h := httpprobe.Probe(ctx, hcfg, httpsURL)
				sl.set(func() { *httpsSlot = h })
			}, func(msg string) { *httpsSlot = &audit.HTTPObservation{URL: httpsURL, Error: msg} })
			if host == domain {
				stHost := domain
				if httpsPort != 443 {
					stHost = probe.HostPort(domain, httpsPort)
				}
				stURL := "https://" + stHost + "/.well-known/security.txt"
				run("httpprobe", "security.txt", func() {
					st := httpprobe.ProbeSecurityTxt(ctx, hcfg, stHost)
					sl.set(func() { o.SecurityTxt = st })
				}, func(msg string) { o.SecurityTxt = &audit.SecurityTxtObservation{URL: stURL, Error: msg} })
			}
		}, func(msg string) {
			*tlsSlot = &audit.TLSObservation{Host: host, Port: httpsPort, Error: msg}
			*httpSlot = &audit.HTTPObservation{URL: httpURL, Error: msg}
			*httpsSlot = &audit.HTTPObservation{URL: httpsURL, Error: msg}
		})
	}

	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		select {
		case <-done:
		case <-time.After(probeGrace):
		}
	}
	sl.close()
	cut := append(sl.cut, giveUp(o, domain, httpPort, httpsPort)...)
	if cfg.Services && o.Services == nil {
		o.Services = &audit.ServicesObservation{Error: errGivenUp}
		cut = append(cut, "services")
	}
	if len(cut) > 0 {
		o.CutShort = &audit.CutShort{DeadlineMS: cfg.timeout().Milliseconds(), Probes: cutOrder(cut, domain)}
	}
	if cfg.Pages {
		tab := cfg.ThirdParties
		if tab == nil {
			tab, _ = thirdparty.Load() // the embedded table is tested
		}
		if tab != nil {
			o.Pages = pageprobe.Static(domain, o.HTTP, tab)
			if cfg.Browser != nil {
				o.Pages = loadPages(ctx, cfg, g, lookup, domain, tab, o.Pages, []int{httpPort, httpsPort})
			}
		}
	}
	// The mail probe's TLSA validations count too: the audit's total,
	// not the DNS probe's alone.
	o.DNS.DNSSECVerifications = prober.Verifications()
	o.Refused = g.Refusals()
	o.Connections = g.Connections()
	for _, p := range cfg.AddressPolicy.Allowed() {
		o.AllowedPrivate = append(o.AllowedPrivate, p.String())
	}
	return o
}

// loadPages loads in the browser each page the static reading found, at
// once, under the audit's deadline; a page the browser could not load at
// all keeps its static reading after the browser's error.
func loadPages(ctx context.Context, cfg Config, g *guard.Guard, lookup probe.LookupFunc, domain string, tab *thirdparty.Table, static []*audit.PageObservation, ports []int) []*audit.PageObservation {
	allowed := []int{80, 443}
	for _, p := range ports {
		if !slices.Contains(allowed, p) {
			allowed = append(allowed, p)
		}
	}
	lc := pageprobe.LoadConfig{Domain: domain, Guard: g, Lookup: lookup, Table: tab, Ports: allowed}
	loaded := make([]*audit.PageObservation, len(static))
	var wg sync.WaitGroup
	for i, sp := range static {
		wg.Go(func() { loaded[i] = cfg.Browser.Load(ctx, lc, sp.URL) })
	}
	wg.Wait()
	var out []*audit.PageObservation
	for i, p := range loaded {
		out = append(out, p)
		if p.Error != "" && len(p.Requests) == 0 {
			out = append(out, static[i])
		}
	}
	return out
}

// errGivenUp is the error of a probe that had not returned when Audit
// stopped waiting.
const errGivenUp = "engine: probe given up after the audit's deadline"

// giveUp fills the observations of the probes that never returned with
// errGivenUp, so that the checks see why they are missing, and names
// them.
func giveUp(o *audit.Observations, domain string, httpPort, httpsPort int) (labels []string) {
	if o.DNS == nil {
		o.DNS = &audit.DNSObservation{Exists: true, Queries: []audit.DNSQuery{{Name: domain, Type: "A", Error: errGivenUp}}}
		labels = append(labels, "dns")
	}
	if o.Mail == nil {
		o.Mail = &audit.MailObservation{Error: errGivenUp}
		labels = append(labels, "mail")
	}
	for i, host := range []string{domain, "www." + domain} {
		if o.TLS[i] == nil {
			o.TLS[i] = &audit.TLSObservation{Host: host, Port: httpsPort, Error: errGivenUp}
			labels = append(labels, "tls "+host)
		}
		for j, u := range []string{startURL("http", host, httpPort, 80), startURL("https", host, httpsPort, 443)} {
			if o.HTTP[2*i+j] == nil {
				o.HTTP[2*i+j] = &audit.HTTPObservation{URL: u, Error: errGivenUp}
				labels = append(labels, u)
			}
		}
	}
	return labels
}

// cutOrder sorts the labels of the probes the deadline ended in the
// order CutShort documents, each once: the DNS of the domain, the mail,
// the services, security.txt, then each host's resolution, TLS and
// HTTP probes, the domain before www.
func cutOrder(labels []string, domain string) []string {
	var order []string
	order = append(order, "dns", "mail", "services", "security.txt")
	for _, host := range []string{domain, "www." + domain} {
		order = append(order, "dns "+host, "tls "+host)
		var urls []string
		for _, l := range labels {
			if strings.Contains(l, "://"+host+"/") || strings.Contains(l, "://"+host+":") {
				urls = append(urls, l)
			}
		}
		slices.Sort(urls) // http:// before https://
		order = append(order, urls...)
	}
	var out []string
	for _, l := range order {
		if slices.Contains(labels, l) && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// mailTimeout bounds each SMTP session and each MTA-STS fetch of the mail
// probe, within the audit's deadline.
const mailTimeout = 10 * time.Second

// startURL is the root URL of host for scheme, with the port when it is
// not the scheme's default.
func startURL(scheme, host string, port, defaultPort int) string {
	if port == defaultPort {
		return scheme + "://" + host + "/"
	}
	return scheme + "://" + host + ":" + strconv.Itoa(port) + "/"
}

// Methodology names the rules that Rejudge judges with (score's
// methodology): a result already judged by them is judged the same.
func Methodology() string { return score.Default().Methodology }

// definitions are the checks' definitions by finding ID.
var definitions = sync.OnceValue(func() map[string]*audit.Definition {
	m := map[string]*audit.Definition{}
	for _, d := range check.Definitions() {
		m[d.ID] = d
	}
	return m
})

// Definition returns the definition of the finding id, or nil for an ID
// no check returns any more.
func Definition(id string) *audit.Definition { return definitions()[id] }

// Rejudge runs today's checks on r's observations and scores the
// findings with today's rules, comparison profiles included, in place: old
// observations judged by the current methodology. A result without observations is left as it is.
func Rejudge(r *audit.Result) {
	if r.Observations == nil {
		return
	}
	findings, errs := check.Run(r.Observations)
	r.Findings = findings
	r.CheckErrors = nil
	for _, err := range errs {
		r.CheckErrors = append(r.CheckErrors, err.Error())
	}
	r.Score = judge(findings, r.Observations)
}
