package campaign

import (
	"context"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/probe/dnsprobe"
)

// hostGeneration bounds the names one generation of the cache holds: after
// this many lookups, the cache starts afresh, so that its memory does not
// grow with the campaign.
const hostGeneration = 1 << 15

// hostCache is the campaign's cache of host addresses, shared by its
// audits (engine.Config.Lookup) and by the politeness of Run. It asks the
// campaign's resolver through a dnsprobe.Prober, which keeps answers and
// NXDOMAIN and lets concurrent lookups of one name share one set of
// queries. The prober is replaced every hostGeneration lookups: answers
// are kept for a part of the campaign, not beyond.
type hostCache struct {
	cfg dnsprobe.Config

	mu      sync.Mutex
	prober  *dnsprobe.Prober
	lookups int
	err     error
}

func newHostCache(e engine.Config) *hostCache {
	return &hostCache{cfg: dnsprobe.Config{Server: e.Resolver, Anchors: e.Anchors, AnchorName: e.AnchorName}}
}

// resolverTimeout bounds the question that checks the resolver.
const resolverTimeout = 3 * time.Second

// checkResolver asks the campaign's resolver for the name servers of the
// root: any response, even a refusal, shows that it answers. It returns
// why it does not.
func (c *hostCache) checkResolver(ctx context.Context) error {
	p, err := dnsprobe.New(c.cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, resolverTimeout)
	defer cancel()
	_, _, err = p.Query(ctx, ".", dns.TypeNS)
	return err
}

// Lookup has the signature of probe.LookupFunc.
func (c *hostCache) Lookup(ctx context.Context, host string) ([]netip.Addr, error) {
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
