package dnsprobe

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/dnsname"
	"vigie.eu/vigie/internal/probe"
)

// errNoSuchHost is the cause of an error for a name that does not exist,
// errNoAddress for a name that has no address (NODATA).
var (
	errNoSuchHost = errors.New("no such host")
	errNoAddress  = errors.New("no address")
)

// NotFound reports whether err, from LookupNetIP, says that the name has
// no address (it does not exist, or has no A or AAAA record), rather
// than that the lookup failed (a timeout, a refusal, a broken answer),
// which asking again may mend.
func NotFound(err error) bool {
	return errors.Is(err, errNoSuchHost) || errors.Is(err, errNoAddress)
}

// lookup is one LookupNetIP in flight or done.
type lookup struct {
	done  chan struct{}
	addrs []netip.Addr
	err   error
	// late is set when the lookup failed because its caller's
	// context ended: those waiting for it ask again with theirs.
	late bool
}

// LookupNetIP returns the IPv4 then IPv6 addresses of host, asked of the
// Prober's server, CNAMEs followed. It has the signature of
// probe.LookupFunc. Answers, and NXDOMAIN, are cached for the life of the
// Prober, other failures are not; concurrent lookups of one name share
// one set of queries.
func (p *Prober) LookupNetIP(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	name, err := fqdn(host)
	if err != nil {
		return nil, err
	}
	for {
		p.mu.Lock()
		l, ok := p.cache[name]
		if !ok {
			l = &lookup{done: make(chan struct{})}
			p.cache[name] = l
		}
		p.mu.Unlock()
		if !ok {
			l.addrs, l.err = p.lookupNetIP(ctx, name)
			l.late = l.err != nil && ctx.Err() != nil
			if l.err != nil && !errors.Is(l.err, errNoSuchHost) {
				// A timeout, our deadline or a broken answer:
				// those waiting share it, later callers ask
				// again.
				p.mu.Lock()
				delete(p.cache, name)
				p.mu.Unlock()
			}
			close(l.done)
			return l.addrs, l.err
		}
		select {
		case <-l.done:
		case <-ctx.Done():
			return nil, fmt.Errorf("dnsprobe: lookup %s: %w", display(name), ctx.Err())
		}
		if !l.late || ctx.Err() != nil {
			return l.addrs, l.err
		}
		// The lookup we waited for ran out of its caller's time; try
		// with ours.
	}
}

func (p *Prober) lookupNetIP(ctx context.Context, name string) ([]netip.Addr, error) {
	s := p.newSession(false)
	var v4, v6 []netip.Addr
	var err4, err6 error
	var wg probe.Group
	wg.Go(func() { v4, err4 = s.resolve(ctx, name, dns.TypeA) })
	wg.Go(func() { v6, err6 = s.resolve(ctx, name, dns.TypeAAAA) })
	wg.Wait()
	addrs := append(v4, v6...)
	if len(addrs) > 0 {
		return addrs, nil
	}
	switch {
	case errors.Is(err4, errNoSuchHost) || errors.Is(err6, errNoSuchHost):
		return nil, fmt.Errorf("dnsprobe: lookup %s: %w", display(name), errNoSuchHost)
	case err4 != nil || err6 != nil:
		return nil, errors.Join(err4, err6)
	}
	return nil, fmt.Errorf("dnsprobe: lookup %s: %w", display(name), errNoAddress)
}

// parentName returns the name one label up; the parent of the root is the
// root.
func parentName(name string) string {
	i, end := dns.NextLabel(name, 0)
	if end || name == "." {
		return "."
	}
	return name[i:]
}

// compareNames orders names canonically (RFC 4034 section 6.1).
func compareNames(a, b string) int { return dnsname.Compare(a, b) }

func decodeBase64(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(s)
}
