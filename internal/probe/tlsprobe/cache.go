package tlsprobe

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"vigie.eu/vigie/internal/audit"
)

// Cache shares TLS enumerations between the audits of a campaign: an
// address and server name (a mail relay that thousands of communes use)
// is enumerated once, by the first audit that meets it, and the audits
// after it take that observation, which says so (SharedFrom), instead of
// opening another twenty connections to the same server. Concurrent
// audits of one address wait for the first. Only whole observations are
// shared (no error, no protocol left undecided), for cacheTTL at most.
// A nil *Cache shares nothing.
type Cache struct {
	mu      sync.Mutex
	entries map[string]*cacheEntry
	reused  int
	done    int
}

type cacheEntry struct {
	ready chan struct{}
	obs   []byte // the JSON of the observation; nil when not shareable
	by    string // the domain whose audit made it
	at    time.Time
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{entries: map[string]*cacheEntry{}} }

// Counts returns how many enumerations the cache's users made, and how
// many they took from it.
func (c *Cache) Counts() (done, reused int) {
	if c == nil {
		return 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done, c.reused
}

// cacheTTL is how long an enumeration is shared: a campaign's audits of
// a relay within a quarter of an hour see one server configuration.
const cacheTTL = 15 * time.Minute

// cacheLimit bounds the entries; past it, the cache starts afresh.
const cacheLimit = 1 << 14

// probe runs p.run for obs, or takes the observation another audit made
// of the same address, server name and kind.
func (c *Cache) probe(ctx context.Context, p *prober, obs *audit.TLSObservation) {
	if c == nil {
		p.run(ctx, obs)
		return
	}
	key := p.addr + "|" + p.serverName + "|" + p.cfg.CacheKind
	now := time.Now()
	c.mu.Lock()
	if len(c.entries) >= cacheLimit {
		c.entries = map[string]*cacheEntry{}
	}
	e, ok := c.entries[key]
	if ok && !e.at.IsZero() && now.Sub(e.at) > cacheTTL {
		ok = false
	}
	if !ok {
		e = &cacheEntry{ready: make(chan struct{})}
		c.entries[key] = e
		c.done++
	}
	c.mu.Unlock()
	if !ok {
		p.run(ctx, obs)
		var b []byte
		if shareable(obs) && ctx.Err() == nil {
			b, _ = json.Marshal(obs)
		}
		c.mu.Lock()
		e.obs, e.by, e.at = b, p.cfg.Auditing, time.Now()
		c.mu.Unlock()
		close(e.ready)
		return
	}
	select {
	case <-e.ready:
	case <-ctx.Done():
		p.run(ctx, obs) // ends at once, with the deadline's errors
		return
	}
	if e.obs == nil || json.Unmarshal(e.obs, obs) != nil {
		// The first audit's was not whole: this one tries its own.
		*obs = audit.TLSObservation{Host: obs.Host, Port: obs.Port, Address: obs.Address}
		p.run(ctx, obs)
		return
	}
	obs.SharedFrom = e.by
	c.mu.Lock()
	c.reused++
	c.mu.Unlock()
}

// shareable says whether obs is whole: the server answered, and every
// protocol version was decided.
func shareable(obs *audit.TLSObservation) bool {
	if obs.Error != "" || obs.GroupsError != "" || obs.SharedFrom != "" || len(obs.Protocols) == 0 {
		return false
	}
	for _, pr := range obs.Protocols {
		if pr.Error != "" {
			return false
		}
	}
	return true
}
