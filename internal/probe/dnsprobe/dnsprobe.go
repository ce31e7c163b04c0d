// Package dnsprobe asks one DNS server about a domain and records what it
// sees: addresses, name servers, SOA, CAA, TXT, DS, DNSKEY and HTTPS
// records, and the DNSSEC status of the domain, which it validates itself
// from a trust anchor, one zone cut at a time (RFC 4033, 4034, 4035).
//
// The server may be a recursive resolver or an authoritative server that
// serves every zone on the path (as a lab does): the probe sets RD but never
// needs RA, and follows CNAMEs itself. Queries go over UDP with EDNS0 and
// the DO bit, and over TCP when an answer is truncated.
//
// The probe records; it never judges. A record set that is missing because
// a query failed is told apart from one that does not exist by the
// Queries of the observation.
package dnsprobe

import (
	"cmp"
	"context"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/net/publicsuffix"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/probe"
)

// Config says which server to ask and what to trust.
type Config struct {
	// Server is the "host:port" of the DNS server to ask; "" means the
	// first nameserver of /etc/resolv.conf. A missing port means 53.
	Server string
	// Anchors are the trust anchors, DS or DNSKEY records (of "." or of
	// any zone above the audited domains); nil means the IANA root KSKs
	// (key tags 20326 and 38696).
	Anchors []dns.RR
	// AnchorName names the anchors in observations ("IANA root",
	// "file lab/anchor.ds").
	AnchorName string
	// Timeout bounds each query; 0 means 2s.
	Timeout time.Duration
	// Now gives the time at which signatures must be valid; nil means
	// time.Now.
	Now func() time.Time
}

// Prober asks one DNS server. It is safe for concurrent use.
//
// A Prober is meant to serve one audit: its DNSSEC validations (Probe,
// QueryValidated) share one budget of signature verifications and one
// memory of what was verified (see maxVerifications), which a Prober
// kept for many audits would spend.
type Prober struct {
	server       string
	resolverName string
	anchors      []dns.RR
	anchorName   string
	timeout      time.Duration
	now          func() time.Time
	ver          *verifier

	mu    sync.Mutex
	cache map[string]*lookup
}

// New checks cfg and returns a Prober.
func New(cfg Config) (*Prober, error) {
	p := &Prober{
		server:       cfg.Server,
		resolverName: cfg.Server,
		anchors:      cfg.Anchors,
		anchorName:   cfg.AnchorName,
		timeout:      cfg.Timeout,
		now:          cfg.Now,
		ver:          newVerifier(maxVerifications),
		cache:        map[string]*lookup{},
	}
	if p.server == "" {
		conf, err := dns.ClientConfigFromFile("/etc/resolv.conf")
		if err != nil {
			return nil, fmt.Errorf("dnsprobe: no server given and %v", err)
		}
		if len(conf.Servers) == 0 {
			return nil, fmt.Errorf("dnsprobe: no server given and no nameserver in /etc/resolv.conf")
		}
		p.server = net.JoinHostPort(conf.Servers[0], conf.Port)
		p.resolverName = "system"
	} else if _, _, err := net.SplitHostPort(p.server); err != nil {
		if _, err := netip.ParseAddr(p.server); err != nil && strings.Contains(p.server, ":") {
			return nil, fmt.Errorf("dnsprobe: server %q: want host:port", cfg.Server)
		}
		p.server = net.JoinHostPort(p.server, "53")
		p.resolverName = p.server
	}
	if p.anchors == nil {
		a, err := ParseAnchors(ianaRootAnchors)
		if err != nil {
			return nil, err
		}
		p.anchors = a
		if p.anchorName == "" {
			p.anchorName = "IANA root"
		}
	}
	if p.anchorName == "" {
		p.anchorName = "configured anchor"
	}
	for _, a := range p.anchors {
		switch a.(type) {
		case *dns.DS, *dns.DNSKEY:
		default:
			return nil, fmt.Errorf("dnsprobe: trust anchor %s: want DS or DNSKEY", a.Header().String())
		}
	}
	if p.timeout <= 0 {
		p.timeout = 2 * time.Second
	}
	if p.now == nil {
		p.now = time.Now
	}
	return p, nil
}

// Limits on what one probe keeps.
const (
	maxNameServers = 16
	maxTXTBytes    = 16 << 10 // all TXT strings of the domain together
	maxCNAMEChain  = 8
)

// Probe asks the server about domain and validates its DNSSEC chain. It
// never returns nil: a failure is recorded in the observation (Error, or
// the Queries that failed).
func (p *Prober) Probe(ctx context.Context, domain string) *audit.DNSObservation {
	obs := &audit.DNSObservation{Resolver: p.resolverName, Exists: true}
	name, err := fqdn(domain)
	if err != nil {
		obs.Error = err.Error()
		return obs
	}
	s := p.newSession(true)
	var wg probe.Group
	var aliasA, aliasAAAA string
	wg.Go(func() {
		if a, alias, err := s.resolveAlias(ctx, name, dns.TypeA); err == nil {
			obs.A = addrStrings(a)
			aliasA = alias
		}
	})
	wg.Go(func() {
		if a, alias, err := s.resolveAlias(ctx, name, dns.TypeAAAA); err == nil {
			obs.AAAA = addrStrings(a)
			aliasAAAA = alias
		}
	})
	wg.Go(func() { obs.NS = s.nameServers(ctx, name) })
	wg.Go(func() { obs.SOA = s.soa(ctx, name) })
	wg.Go(func() { obs.CAA, obs.CAADomain = s.caa(ctx, name) })
	wg.Go(func() { obs.TXT = s.txt(ctx, name) })
	wg.Go(func() {
		if m, err := s.query(ctx, name, dns.TypeDS); err == nil {
			for _, rr := range records(m.Answer, name, dns.TypeDS) {
				ds := rr.(*dns.DS)
				obs.DS = append(obs.DS, audit.DSRecord{KeyTag: ds.KeyTag, Algorithm: ds.Algorithm, DigestType: ds.DigestType, Digest: strings.ToUpper(ds.Digest)})
			}
		}
	})
	wg.Go(func() {
		if m, err := s.query(ctx, name, dns.TypeDNSKEY); err == nil {
			for _, rr := range dedupe(records(m.Answer, name, dns.TypeDNSKEY)) {
				obs.DNSKEY = append(obs.DNSKEY, dnskeyRecord(rr.(*dns.DNSKEY)))
			}
		}
	})
	wg.Go(func() {
		if m, err := s.query(ctx, name, dns.TypeHTTPS); err == nil {
			for _, rr := range records(m.Answer, name, dns.TypeHTTPS) {
				obs.HTTPS = append(obs.HTTPS, strings.TrimPrefix(rr.String(), rr.Header().String()))
			}
			slices.Sort(obs.HTTPS)
		}
	})
	wg.Go(func() { obs.WWW = s.hostAddresses(ctx, "www."+name) })
	wg.Go(func() { obs.DNSSEC = s.validate(ctx, name) })
	wg.Wait()
	obs.CNAME = cmp.Or(aliasA, aliasAAAA)

	// RFC 8020: NXDOMAIN means nothing exists at or below the name.
	for _, t := range []uint16{dns.TypeSOA, dns.TypeA} {
		if m, err := s.query(ctx, name, t); err == nil {
			obs.Exists = m.Rcode != dns.RcodeNameError
			break
		}
	}
	obs.Queries = s.sorted()
	obs.DNSSECVerifications = p.Verifications()
	return obs
}

// Verifications returns the number of DNSSEC signature verifications the
// Prober has made so far, by Probe and QueryValidated together: an
// audit's figure once all its probes are done.
func (p *Prober) Verifications() int {
	return p.ver.count()
}

// fqdn checks and normalises a domain name given by the caller.
func fqdn(domain string) (string, error) {
	name := dns.CanonicalName(strings.TrimSpace(domain))
	if _, ok := dns.IsDomainName(name); !ok || name == "." {
		return "", fmt.Errorf("dnsprobe: invalid domain name %q", domain)
	}
	if _, err := netip.ParseAddr(strings.TrimSuffix(name, ".")); err == nil {
		return "", fmt.Errorf("dnsprobe: %q is an IP address, not a domain name", domain)
	}
	return name, nil
}

func addrStrings(addrs []netip.Addr) []string {
	var out []string
	for _, a := range addrs {
		out = append(out, a.String())
	}
	return out
}

// resolve returns the addresses (qtype A or AAAA) of host, following
// CNAMEs, whether the server follows them or not (an authoritative server
// follows only those inside its zones). An empty answer is not an error;
// NXDOMAIN is errNoSuchHost.
func (s *session) resolve(ctx context.Context, host string, qtype uint16) ([]netip.Addr, error) {
	addrs, _, err := s.resolveAlias(ctx, host, qtype)
	return addrs, err
}

// resolveAlias is resolve, and returns the end of host's CNAME chain too
// ("" when host is no alias).
func (s *session) resolveAlias(ctx context.Context, host string, qtype uint16) (_ []netip.Addr, alias string, _ error) {
	name := dns.CanonicalName(host)
	start := name
	seen := map[string]bool{name: true}
	for {
		m, err := s.query(ctx, name, qtype)
		if err != nil {
			return nil, "", err
		}
		switch m.Rcode {
		case dns.RcodeSuccess:
		case dns.RcodeNameError:
			return nil, "", fmt.Errorf("dnsprobe: %s %s: %w", typeName(qtype), display(name), errNoSuchHost)
		default:
			return nil, "", fmt.Errorf("dnsprobe: %s %s: server answered %s", typeName(qtype), display(name), rcodeName(m.Rcode))
		}
		// Walk the CNAME chain inside the answer (RFC 1034 section
		// 3.6.2) until an owner has records of qtype.
		cur := name
		for {
			var addrs []netip.Addr
			for _, rr := range records(m.Answer, cur, qtype) {
				switch a := rr.(type) {
				case *dns.A:
					if ip, ok := netip.AddrFromSlice(a.A.To4()); ok {
						addrs = append(addrs, ip)
					}
				case *dns.AAAA:
					if ip, ok := netip.AddrFromSlice(a.AAAA.To16()); ok {
						addrs = append(addrs, ip)
					}
				}
			}
			if len(addrs) > 0 {
				slices.SortFunc(addrs, netip.Addr.Compare)
				if cur != start {
					alias = display(cur)
				}
				return slices.Compact(addrs), alias, nil
			}
			cn := records(m.Answer, cur, dns.TypeCNAME)
			if len(cn) == 0 {
				break
			}
			cur = dns.CanonicalName(cn[0].(*dns.CNAME).Target)
			if seen[cur] {
				return nil, "", fmt.Errorf("dnsprobe: %s %s: CNAME loop at %s", typeName(qtype), display(host), display(cur))
			}
			seen[cur] = true
			if len(seen) > maxCNAMEChain {
				return nil, "", fmt.Errorf("dnsprobe: %s %s: CNAME chain longer than %d", typeName(qtype), display(host), maxCNAMEChain)
			}
		}
		if cur == name {
			return nil, "", nil // no data
		}
		name = cur // the server did not follow the chain: ask for its end
	}
}

func (s *session) hostAddresses(ctx context.Context, host string) *audit.HostAddresses {
	h := &audit.HostAddresses{Name: display(host)}
	var v4, v6 []netip.Addr
	var err4, err6 error
	var wg probe.Group
	var alias4, alias6 string
	wg.Go(func() { v4, alias4, err4 = s.resolveAlias(ctx, host, dns.TypeA) })
	wg.Go(func() { v6, alias6, err6 = s.resolveAlias(ctx, host, dns.TypeAAAA) })
	wg.Wait()
	h.IPv4, h.IPv6 = addrStrings(v4), addrStrings(v6)
	h.CNAME = cmp.Or(alias4, alias6)
	if err := cmp.Or(err4, err6); err != nil {
		h.Error = err.Error()
	}
	return h
}

// nameServers returns the NS set of name with the addresses of each
// server. An authoritative server that delegates name elsewhere answers
// with a referral: its NS set, in the authority section, is taken too.
func (s *session) nameServers(ctx context.Context, name string) []audit.NameServer {
	m, err := s.query(ctx, name, dns.TypeNS)
	if err != nil || m.Rcode != dns.RcodeSuccess {
		return nil
	}
	set := records(m.Answer, name, dns.TypeNS)
	if len(set) == 0 && !m.Authoritative {
		set = records(m.Ns, name, dns.TypeNS)
	}
	var names []string
	for _, rr := range set {
		names = append(names, dns.CanonicalName(rr.(*dns.NS).Ns))
	}
	if len(names) == 0 {
		return nil
	}
	slices.SortFunc(names, compareNames)
	names = slices.Compact(names)
	if len(names) > maxNameServers {
		names = names[:maxNameServers]
	}
	out := make([]audit.NameServer, len(names))
	var wg probe.Group
	for i, n := range names {
		wg.Go(func() {
			h := s.hostAddresses(ctx, n)
			out[i] = audit.NameServer{Name: h.Name, IPv4: h.IPv4, IPv6: h.IPv6, Error: h.Error}
		})
	}
	wg.Wait()
	return out
}

// soa returns the SOA of the zone holding name: from the answer when name
// is the apex, from the authority section of a negative answer otherwise.
func (s *session) soa(ctx context.Context, name string) *audit.SOARecord {
	m, err := s.query(ctx, name, dns.TypeSOA)
	if err != nil {
		return nil
	}
	var soa *dns.SOA
	for _, rr := range append(slices.Clone(m.Answer), m.Ns...) {
		if r, ok := rr.(*dns.SOA); ok && dns.IsSubDomain(dns.CanonicalName(r.Hdr.Name), name) {
			soa = r
			break
		}
	}
	if soa == nil {
		return nil
	}
	return &audit.SOARecord{
		Zone: display(soa.Hdr.Name), MName: display(soa.Ns), RName: display(soa.Mbox),
		Serial: soa.Serial, Refresh: soa.Refresh, Retry: soa.Retry, Expire: soa.Expire, Minimum: soa.Minttl,
	}
}

// caa finds the relevant CAA set: RFC 8659 section 3 climbs from the
// domain towards the root and stops at the first non-empty set. vigie
// stops below the public suffix ("fr", "gouv.fr"), whose operators do not
// speak for their registrants.
func (s *session) caa(ctx context.Context, name string) ([]audit.CAARecord, string) {
	suffix, _ := publicsuffix.PublicSuffix(strings.TrimSuffix(name, "."))
	suffix = dns.CanonicalName(suffix)
	for n := name; n != "." && n != suffix; n = parentName(n) {
		m, err := s.query(ctx, n, dns.TypeCAA)
		if err != nil || (m.Rcode != dns.RcodeSuccess && m.Rcode != dns.RcodeNameError) {
			return nil, "" // could not find out (RFC 8659 section 4.1 lets CAs refuse)
		}
		var out []audit.CAARecord
		for _, rr := range m.Answer {
			if c, ok := rr.(*dns.CAA); ok {
				out = append(out, audit.CAARecord{Flag: c.Flag, Tag: c.Tag, Value: c.Value})
			}
		}
		if len(out) > 0 {
			return out, display(n)
		}
	}
	return nil, ""
}

// txt returns the TXT records of name, the strings of each joined, at most
// maxTXTBytes in all; more is recorded as an error on the query.
func (s *session) txt(ctx context.Context, name string) []string {
	m, err := s.query(ctx, name, dns.TypeTXT)
	if err != nil {
		return nil
	}
	var out []string
	total := 0
	for _, rr := range m.Answer { // any owner: the chain of a CNAME at name
		r, ok := rr.(*dns.TXT)
		if !ok {
			continue
		}
		t := strings.Join(r.Txt, "")
		total += len(t)
		if total > maxTXTBytes {
			s.mu.Lock()
			for i := range s.queries {
				if q := &s.queries[i]; q.Type == "TXT" && q.Name == display(name) {
					q.Error = fmt.Sprintf("TXT records larger than %d bytes in all: kept %d of %d", maxTXTBytes, len(out), len(m.Answer))
				}
			}
			s.mu.Unlock()
			break
		}
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

func dnskeyRecord(k *dns.DNSKEY) audit.DNSKEYRecord {
	return audit.DNSKEYRecord{Flags: k.Flags, Protocol: k.Protocol, Algorithm: k.Algorithm, KeyTag: k.KeyTag(), Bits: keyBits(k)}
}

// keyBits is the size of a DNSKEY's public key: the RSA modulus (RFC
// 3110 section 2), the DSA prime (RFC 2536 section 2), or the curve.
func keyBits(k *dns.DNSKEY) int {
	switch k.Algorithm {
	case dns.ECDSAP256SHA256, dns.ED25519, dns.ECCGOST:
		return 256
	case dns.ECDSAP384SHA384:
		return 384
	case dns.ED448:
		return 456
	}
	b, err := decodeBase64(k.PublicKey)
	if err != nil || len(b) < 3 {
		return 0
	}
	switch k.Algorithm {
	case dns.RSAMD5, dns.RSASHA1, dns.RSASHA1NSEC3SHA1, dns.RSASHA256, dns.RSASHA512:
		explen, off := int(b[0]), 1
		if explen == 0 {
			explen, off = int(b[1])<<8|int(b[2]), 3
		}
		if off+explen >= len(b) {
			return 0
		}
		return new(big.Int).SetBytes(b[off+explen:]).BitLen()
	case dns.DSA, dns.DSANSEC3SHA1:
		return 512 + 64*int(b[0])
	}
	return 0
}
