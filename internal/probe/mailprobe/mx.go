package mailprobe

import (
	"cmp"
	"context"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/probe"
)

// mx finds the mail hosts of the domain (RFC 5321 section 5.1) and probes
// each: addresses, SMTP on each address, TLSA.
func (p *prober) mx(ctx context.Context) *audit.MXObservation {
	obs := &audit.MXObservation{}
	rrs, rcode, err := p.cfg.DNS.Query(ctx, p.domain, dns.TypeMX)
	if err != nil {
		obs.Error = "mailprobe: " + shortError(err)
		return obs
	}
	obs.Rcode = rcodeName(rcode)
	for _, rr := range rrs {
		if m, ok := rr.(*dns.MX); ok {
			obs.Records = append(obs.Records, audit.MXRecord{Preference: m.Preference, Host: display(m.Mx)})
		}
	}
	slices.SortFunc(obs.Records, func(a, b audit.MXRecord) int {
		return cmp.Or(cmp.Compare(a.Preference, b.Preference), strings.Compare(a.Host, b.Host))
	})
	obs.Records = slices.Compact(obs.Records)
	// RFC 7505 section 3: a single MX record whose target is "." says
	// the domain accepts no mail.
	obs.Null = len(obs.Records) == 1 && obs.Records[0].Host == "."
	switch {
	case obs.Null, rcode != dns.RcodeSuccess:
		return obs
	case len(obs.Records) == 0:
		// RFC 5321 section 5.1: without MX, the domain itself is the
		// mail host, if it has an address.
		obs.Implicit = true
		obs.Hosts = []*audit.MXHost{{Name: p.domain}}
	default:
		for _, r := range obs.Records {
			if r.Host == "." || len(obs.Hosts) == maxMXHosts {
				continue
			}
			obs.Hosts = append(obs.Hosts, &audit.MXHost{Name: r.Host, Preference: r.Preference})
		}
	}
	locks := &addrLocks{m: map[netip.Addr]*sync.Mutex{}}
	var wg probe.Group
	for _, h := range obs.Hosts {
		wg.Go(func() { p.host(ctx, h, locks, obs.Implicit) })
	}
	wg.Wait()
	if obs.Implicit && len(obs.Hosts[0].IPv4)+len(obs.Hosts[0].IPv6) == 0 {
		obs.Hosts = nil // no address: no implicit MX either
	}
	return obs
}

// addrLocks makes sure one address gets one connection at a time, even
// when several MX names point to it.
type addrLocks struct {
	mu sync.Mutex
	m  map[netip.Addr]*sync.Mutex
}

func (l *addrLocks) get(a netip.Addr) *sync.Mutex {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m[a] == nil {
		l.m[a] = &sync.Mutex{}
	}
	return l.m[a]
}

// host resolves one mail host, asks its TLSA records and probes SMTP on
// each of its addresses.
func (p *prober) host(ctx context.Context, h *audit.MXHost, locks *addrLocks, implicit bool) {
	if _, err := netip.ParseAddr(strings.Trim(h.Name, "[]")); err == nil && !implicit {
		// RFC 7505 section 3 and RFC 5321 section 5.1: an MX target
		// is a host name; a sender looks the literal up as a name.
		h.AddressLiteral = true
		return
	}
	// The TLSA records (and their DNSSEC chain) are asked beside the
	// sessions, which need only the addresses.
	var tlsa probe.Group
	defer tlsa.Wait()
	tlsa.Go(func() { h.TLSA = p.tlsa(ctx, h.Name) })
	var wg probe.Group
	var v4, v6 []netip.Addr
	var cname4, cname6 string
	var err4, err6 error
	wg.Go(func() { v4, cname4, err4 = p.addresses(ctx, h.Name, dns.TypeA) })
	wg.Go(func() { v6, cname6, err6 = p.addresses(ctx, h.Name, dns.TypeAAAA) })
	wg.Wait()
	h.CNAME = cmp.Or(cname4, cname6)
	for _, a := range v4 {
		h.IPv4 = append(h.IPv4, a.String())
	}
	for _, a := range v6 {
		h.IPv6 = append(h.IPv6, a.String())
	}
	addrs := append(v4, v6...)
	if err := cmp.Or(err4, err6); err != nil && len(addrs) == 0 {
		h.Error = "mailprobe: " + shortError(err)
		return
	}
	if len(addrs) == 0 {
		h.Error = "mailprobe: " + h.Name + ": no address"
		return
	}
	if len(addrs) > maxAddresses {
		addrs = addrs[:maxAddresses]
	}
	h.SMTP = make([]*audit.SMTPObservation, len(addrs))
	var swg probe.Group
	for i, a := range addrs {
		swg.Go(func() {
			l := locks.get(a)
			l.Lock()
			defer l.Unlock()
			h.SMTP[i] = p.smtp(ctx, h.Name, a)
		})
	}
	swg.Wait()
}

// addresses returns the addresses of name of type qtype, sorted, and the
// canonical name when name is an alias.
func (p *prober) addresses(ctx context.Context, name string, qtype uint16) ([]netip.Addr, string, error) {
	rrs, _, err := p.cfg.DNS.Query(ctx, name, qtype)
	if err != nil {
		return nil, "", err
	}
	var out []netip.Addr
	cname := ""
	for _, rr := range rrs {
		var ip netip.Addr
		switch r := rr.(type) {
		case *dns.A:
			ip, _ = netip.AddrFromSlice(r.A.To4())
		case *dns.AAAA:
			ip, _ = netip.AddrFromSlice(r.AAAA.To16())
		default:
			continue
		}
		if owner := display(rr.Header().Name); owner != name {
			cname = owner
		}
		if ip.IsValid() {
			out = append(out, ip)
		}
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return slices.Compact(out), cname, nil
}

// tlsa asks the TLSA records of an MX host (RFC 7672 section 2.2) and
// their DNSSEC status.
func (p *prober) tlsa(ctx context.Context, host string) *audit.TLSAObservation {
	obs := &audit.TLSAObservation{Name: "_25._tcp." + host}
	rrs, rcode, status, reason, err := p.cfg.DNS.QueryValidated(ctx, obs.Name, dns.TypeTLSA)
	if err != nil {
		obs.Error = "mailprobe: " + shortError(err)
		return obs
	}
	obs.Rcode = rcodeName(rcode)
	obs.DNSSEC, obs.DNSSECReason = status, reason
	for _, rr := range rrs {
		if t, ok := rr.(*dns.TLSA); ok && len(obs.Records) < 16 {
			obs.Records = append(obs.Records, audit.TLSARecord{Usage: t.Usage, Selector: t.Selector, MatchingType: t.MatchingType, Data: strings.ToLower(t.Certificate)})
		}
	}
	return obs
}

// display writes a name as observations do: lower case, no final dot,
// except the root ".".
func display(name string) string {
	if name == "." || name == "" {
		return "."
	}
	return strings.TrimSuffix(strings.ToLower(name), ".")
}
