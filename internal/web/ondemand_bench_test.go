package web

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/lab"
	"vigie.eu/vigie/internal/ondemand"
	"vigie.eu/vigie/internal/store"
	"vigie.eu/vigie/internal/target"
)

// countingStore counts the on-demand audits saved.
type countingStore struct {
	store.Store
	saved atomic.Int64
}

func (c *countingStore) SaveOnDemand(ctx context.Context, r *audit.Result) (int64, error) {
	id, err := c.Store.SaveOnDemand(ctx, r)
	if err == nil {
		c.saved.Add(1)
	}
	return id, err
}

// BenchmarkOnDemand keeps the on-demand queue full (2 audits at once, 20
// waiting) with audits of the organisations of an internal/lab estate
// run in this process, for 30 s, while one client loads an
// organisation's page over HTTP on loopback, one request after another.
// It reports the audits done per minute and the page's latency:
//
//	go test -run '^$' -bench OnDemand -benchtime 1x ./internal/web
func BenchmarkOnDemand(b *testing.B) {
	const n, window = 200, 30 * time.Second
	base := netip.AddrFrom4([4]byte{127, byte(128 + rand.IntN(120)), 0, 1})
	b4 := base.As4()
	p := 20000 + 3*rand.IntN(4000)
	l, err := lab.Start(b.Context(), lab.Config{N: n, Seed: 1, BaseAddr: base,
		DNSAddr:  fmt.Sprintf("127.%d.255.254:0", b4[1]),
		HTTPPort: p, HTTPSPort: p + 1, SMTPPort: p + 2})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(l.CAPEM)
	cfg := engine.Config{AddressPolicy: guard.LabPolicy(), Resolver: l.Resolver, Anchors: []dns.RR{l.AnchorRR}, AnchorName: "lab",
		Roots: roots, RootsName: "lab CA", HTTPPort: p, HTTPSPort: p + 1, SMTPPort: p + 2, Timeout: 30 * time.Second, Version: "bench"}

	_, path := fixture(b)
	st, err := store.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	cs := &countingStore{Store: st}
	q := ondemand.New(ondemand.Config{Cooldown: -1, Rate: 1 << 30, Policy: cfg.AddressPolicy}, cs,
		func(ctx context.Context, t target.Target) *audit.Result { return engine.Audit(ctx, cfg, t) })
	s, err := New(st, Options{OnDemand: q})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(s)
	defer hs.Close()

	for b.Loop() {
		ctx, cancel := context.WithTimeout(b.Context(), window)
		wait := q.Start(ctx)
		var wg sync.WaitGroup
		busy := atomic.Int64{}
		wg.Go(func() {
			// The feeder: a new domain whenever a slot frees.
			client := netip.MustParseAddr("192.0.2.1")
			for i := 0; ctx.Err() == nil; {
				_, err := q.Submit(ctx, client, l.Orgs[i%len(l.Orgs)].Domain)
				if errors.Is(err, ondemand.ErrBusy) {
					busy.Add(1)
					time.Sleep(20 * time.Millisecond)
					continue
				}
				i++
			}
		})
		var lat []time.Duration
		start, saved0 := time.Now(), cs.saved.Load()
		for ctx.Err() == nil {
			t0 := time.Now()
			r, err := http.Get(hs.URL + "/org/26690027600016")
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
			if r.StatusCode != 200 {
				b.Fatalf("organisation page: %d", r.StatusCode)
			}
			lat = append(lat, time.Since(t0))
			time.Sleep(5 * time.Millisecond)
		}
		elapsed := time.Since(start)
		wg.Wait()
		cancel()
		wait()
		if busy.Load() == 0 {
			b.Fatal("the queue was never full")
		}
		slices.Sort(lat)
		pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
		b.ReportMetric(float64(cs.saved.Load()-saved0)/elapsed.Minutes(), "audits/min")
		b.ReportMetric(pct(0.50), "p50-ms")
		b.ReportMetric(pct(0.99), "p99-ms")
		b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
		b.ReportMetric(float64(len(lat)), "page-loads")
	}
}
