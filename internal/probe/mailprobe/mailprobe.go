// Package mailprobe finds out how a domain receives and authenticates
// mail: its MX hosts (RFC 5321 section 5.1, null MX of RFC 7505), what each
// host says on the SMTP port (banner, EHLO, STARTTLS of RFC 3207) and the
// TLS it speaks after STARTTLS (through tlsprobe), and the DNS records that
// protect the domain's mail: SPF (RFC 7208, with every include and redirect
// followed and the DNS lookups counted as for an IPv4 sender; CheckHost
// evaluates it for one sender address as a receiver does), DMARC (RFC 7489, with the
// organisational domain fallback and the authorisation of external report
// addresses), DKIM keys (RFC 6376) for given and common selectors,
// MTA-STS (RFC 8461, the policy fetched over verified HTTPS), TLS-RPT
// (RFC 8460) and TLSA records for DANE (RFC 7672), validated with DNSSEC
// by vigie's own validator.
//
// The probe records what it sees and never judges it: see
// internal/check/mailcheck. It sends no mail: each SMTP session ends after
// STARTTLS, or EHLO, with QUIT.
package mailprobe

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/probe"
	"vigie.eu/vigie/internal/probe/tlsprobe"
)

// Resolver asks DNS questions. *dnsprobe.Prober implements it.
type Resolver interface {
	// Query returns the records of qtype at name (CNAMEs followed) and
	// the response code; err only when no answer came.
	Query(ctx context.Context, name string, qtype uint16) ([]dns.RR, int, error)
	// QueryValidated is Query plus the DNSSEC status of the answer
	// (audit.DNSSECSecure...) and its reason.
	QueryValidated(ctx context.Context, name string, qtype uint16) (rrs []dns.RR, rcode int, status, reason string, err error)
}

// Config says how to probe.
type Config struct {
	// DNS answers every DNS question of the probe. Required.
	DNS Resolver
	// Lookup resolves the host name of the MTA-STS policy server; nil
	// means the system resolver. MX hosts are resolved with DNS.
	Lookup probe.LookupFunc
	// Guard checks every address dialled (MX hosts, the MTA-STS policy
	// server); nil refuses the addresses that are not on the public
	// internet (see package guard).
	Guard *guard.Guard
	// Roots are the trusted roots for the MTA-STS policy fetch and the
	// verification of MX certificates; nil means the system roots.
	Roots *x509.CertPool
	// RootsName is recorded with each MX certificate verification.
	RootsName string
	// Now gives the verification time of MX certificates; nil means
	// time.Now.
	Now func() time.Time
	// SMTPPort is the port of the MX hosts; 0 means 25. Tests set it.
	SMTPPort int
	// MTASTSPort is the port the MTA-STS policy is fetched from; 0
	// means 443. Tests set it; the URL recorded keeps no port.
	MTASTSPort int
	// Timeout bounds each SMTP connection and each HTTP fetch, from
	// dial to last byte; 0 means 10s.
	Timeout time.Duration
	// HeloName is the name sent with EHLO; "" means "vigie.invalid".
	HeloName string
	// UserAgent is sent with the MTA-STS policy fetch; "" means "vigie".
	UserAgent string
	// SkipTLSEnumeration, when set, records the STARTTLS handshake and
	// its certificate digests but does not run the full TLS probe
	// (versions and suites) through STARTTLS.
	SkipTLSEnumeration bool
	// SMTPParallel is how many SMTP sessions the TLS enumeration of one
	// MX address holds at once (a hard cap: mail relays slow down or
	// refuse clients that open many); 0 means DefaultSMTPParallel.
	SMTPParallel int
	// TLSCache, when set, shares the STARTTLS enumeration of a mail host
	// between the audits of a campaign (see tlsprobe.Cache).
	TLSCache *tlsprobe.Cache
}

// DefaultSMTPParallel is the sessions at once per MX address when
// Config.SMTPParallel is 0: each session costs a TCP connection, the
// banner, EHLO, STARTTLS and a hello, about five round trips, so one at a
// time puts the mail on the audit's critical path.
const DefaultSMTPParallel = 4

// Limits on what one probe does.
const (
	maxMXHosts    = 10 // MX hosts probed
	maxAddresses  = 4  // addresses probed per MX host
	maxTXTRecords = 32 // TXT records kept per name
)

// Probe probes domain's mail: MX, SMTP and TLS on each MX address, SPF,
// DMARC, DKIM (dkimSelectors first, then the common selectors), MTA-STS,
// TLS-RPT and TLSA. Everything runs concurrently under ctx; each SMTP
// address gets one connection at a time. It never returns nil: what could
// not be found out is recorded as an error in the part concerned.
func Probe(ctx context.Context, cfg Config, domain string, dkimSelectors []string) *audit.MailObservation {
	obs := &audit.MailObservation{}
	name := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	if _, ok := dns.IsDomainName(name); !ok || name == "" || !strings.Contains(name, ".") {
		obs.Error = fmt.Sprintf("mailprobe: invalid domain name %q", domain)
		return obs
	}
	if _, err := netip.ParseAddr(name); err == nil {
		obs.Error = fmt.Sprintf("mailprobe: %q is an IP address, not a domain name", domain)
		return obs
	}
	if cfg.DNS == nil {
		obs.Error = "mailprobe: no DNS resolver configured"
		return obs
	}
	if cfg.SMTPPort == 0 {
		cfg.SMTPPort = 25
	}
	if cfg.MTASTSPort == 0 {
		cfg.MTASTSPort = 443
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.SMTPParallel <= 0 {
		cfg.SMTPParallel = DefaultSMTPParallel
	}
	if cfg.HeloName == "" {
		cfg.HeloName = "vigie.invalid"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Lookup == nil {
		cfg.Lookup = probe.SystemLookup
	}
	p := &prober{cfg: cfg, domain: name}
	var wg probe.Group
	wg.Go(func() { obs.MX = p.mx(ctx) })
	wg.Go(func() { obs.SPF = p.spf(ctx) })
	wg.Go(func() { obs.DMARC = p.dmarc(ctx) })
	wg.Go(func() { obs.DKIM = p.dkim(ctx, dkimSelectors) })
	wg.Go(func() { obs.MTASTS = p.mtasts(ctx) })
	wg.Go(func() { obs.TLSRPT = p.tlsrpt(ctx) })
	wg.Wait()
	return obs
}

// prober holds one Probe.
type prober struct {
	cfg    Config
	domain string
}

// txt returns the TXT records at name, the strings of each joined, at most
// maxTXTRecords of them, and the response code.
func (p *prober) txt(ctx context.Context, name string) ([]string, int, error) {
	rrs, rcode, err := p.cfg.DNS.Query(ctx, name, dns.TypeTXT)
	if err != nil {
		return nil, 0, err
	}
	var out []string
	for _, rr := range rrs {
		if t, ok := rr.(*dns.TXT); ok && len(out) < maxTXTRecords {
			out = append(out, strings.Join(t.Txt, ""))
		}
	}
	return out, rcode, nil
}

// rcodeName names a response code as observations do ("NXDOMAIN").
func rcodeName(rc int) string {
	if s, ok := dns.RcodeToString[rc]; ok {
		return s
	}
	return fmt.Sprintf("RCODE%d", rc)
}

// filter returns the records for which keep is true.
func filter(records []string, keep func(string) bool) []string {
	var out []string
	for _, r := range records {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}
