package engine

import (
	"context"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/probe/dnsprobe"
)

// hostGeneration bounds the names one generation of a HostCache holds:
// after this many lookups, the cache starts afresh, so that its memory
// does not grow with the audits that share it.
const hostGeneration = 1 << 15

// HostCache is a cache of host addresses shared by many audits (those of
// a campaign): set its Lookup as the Lookup of each audit's Config, and
// the TLS, web and mail probes of every audit resolve their hosts through
// it, so that a mail host shared by thousands of domains is asked about
// once. It asks the resolver of the Config it was made from, keeps
// answers and NXDOMAIN, and lets concurrent lookups of one name share one
// set of queries; other failures are not kept. Answers are kept for a
// part of the audits (hostGeneration lookups), not beyond.
//
// The DNS probe of each audit asks its own questions whatever the cache
// holds: the observations are the audit's own.
type HostCache struct {
	cfg dnsprobe.Config

	mu      sync.Mutex
	prober  *dnsprobe.Prober
	lookups int
	err     error
}

// NewHostCache returns an empty cache that asks cfg's resolver, with cfg's
// trust anchors.
func NewHostCache(cfg Config) *HostCache {
	return &HostCache{cfg: dnsprobe.Config{Server: cfg.Resolver, Anchors: cfg.Anchors, AnchorName: cfg.AnchorName}}
}

// resolverTimeout bounds the question that checks the resolver.
const resolverTimeout = 3 * time.Second

// CheckResolver asks the cache's resolver for the name servers of the
// root, bypassing the cache: any response, even a refusal, shows that it
// answers. It returns why it does not.
func (c *HostCache) CheckResolver(ctx context.Context) error {
	p, err := dnsprobe.New(c.cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, resolverTimeout)
	defer cancel()
	_, _, err = p.Query(ctx, ".", dns.TypeNS)
	return err
}

// Lookup returns the IPv4 then IPv6 addresses of host. It has the
// signature of probe.LookupFunc; the slice is the caller's own.
func (c *HostCache) Lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	c.mu.Lock()
	if c.prober == nil || c.lookups >= hostGeneration {
		c.prober, c.err = dnsprobe.New(c.cfg)
		c.lookups = 0
	}
	c.lookups++
	p, err := c.prober, c.err
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	addrs, err := p.LookupNetIP(ctx, host)
	// The prober's slice is shared by every caller: callers get a copy.
	return slices.Clone(addrs), err
}

// NoAddress reports whether err, from Lookup, says that the host has no
// address (it does not exist, or has no A or AAAA record), rather than
// that the lookup failed, which asking again may mend.
func NoAddress(err error) bool { return dnsprobe.NotFound(err) }

// ParseAnchors parses DNSSEC trust anchors (DS or DNSKEY records of the
// root, in zone file format) as Config.Anchors takes them, for callers
// that keep them as text, as a stored campaign does.
func ParseAnchors(text string) ([]dns.RR, error) {
	return dnsprobe.ParseAnchors(text)
}
