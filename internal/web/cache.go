package web

import (
	"context"
	"sync"
	"time"

	"vigie.eu/vigie/internal/store"
)

// pageCache keeps rendered pages while the store holds the same
// campaigns: what a page shows changes only when a campaign is added,
// progresses, finishes or goes. The store is asked at most every
// recheck whether it did (the newest campaign, its progress and status);
// when it did, every kept page is dropped. At most maxCache bytes are
// kept.
type pageCache struct {
	mu      sync.Mutex
	recheck time.Duration
	checked time.Time
	gen     cacheGen
	pages   map[string][]byte
	size    int // bytes of the pages kept
	// list is the store's campaigns as last asked, newest first (at
	// most 1000): asking costs a count of each campaign's audits (50 ms
	// at 35,000 organisations and 10 campaigns), so pages share it.
	list []store.CampaignSummary
}

// cacheGen is what the store holds, as far as pages care.
type cacheGen struct {
	newest      int64
	done, count int
	status      string
}

// maxCache bounds the bytes of the pages kept: beyond it, the cache is
// emptied and refilled.
const maxCache = 64 << 20

// pageRecheck is how often the cache asks the store whether it changed.
const pageRecheck = time.Second

// valid checks the store's generation (at most every recheck) and drops
// the pages of an older one.
func (s *Server) cacheValid(ctx context.Context) error {
	c := &s.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pages != nil && time.Since(c.checked) < c.recheck {
		return nil
	}
	list, err := s.st.ListCampaigns(ctx, 0, 1000)
	if err != nil {
		return err
	}
	g := cacheGen{count: len(list)}
	for i, l := range list {
		if i == 0 {
			g.newest, g.status = l.ID, l.Status
		}
		g.done += l.Done
	}
	c.checked, c.list = time.Now(), list
	if c.pages == nil || g != c.gen {
		c.pages, c.gen, c.size = map[string][]byte{}, g, 0
	}
	return nil
}

// campaigns returns the store's campaigns, newest first (at most 1000),
// as asked at most every recheck.
func (s *Server) campaigns(ctx context.Context) ([]store.CampaignSummary, error) {
	if err := s.cacheValid(ctx); err != nil {
		return nil, err
	}
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	return s.cache.list, nil
}

func (s *Server) cached(key string) []byte {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	return s.cache.pages[key]
}

func (s *Server) keep(key string, body []byte) {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	c := &s.cache
	if c.pages == nil {
		return
	}
	if c.size+len(body) > maxCache {
		c.pages, c.size = map[string][]byte{}, 0
	}
	if _, ok := c.pages[key]; !ok {
		c.pages[key] = body
		c.size += len(body)
	}
}
