package ondemand

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
	"vigie.eu/vigie/internal/target"
)

// memStore is an in-memory Store.
type memStore struct {
	mu     sync.Mutex
	audits []store.OnDemandAudit
}

func (m *memStore) SaveOnDemand(ctx context.Context, r *audit.Result) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := int64(len(m.audits) + 1)
	m.audits = append(m.audits, store.OnDemandAudit{ID: id, Domain: r.Domain, Time: r.Time, Result: r})
	return id, nil
}

func (m *memStore) LatestOnDemand(ctx context.Context, domain string, since time.Time) (store.OnDemandAudit, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := len(m.audits) - 1; i >= 0; i-- {
		if a := m.audits[i]; a.Domain == domain && !a.Time.Before(since) {
			return a, nil
		}
	}
	return store.OnDemandAudit{}, store.ErrNotFound
}

// clock is a clock that tests move.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// gate is an Auditor whose audits wait until released.
type gate struct {
	release chan struct{}
	started chan string
	clk     *clock
}

func newGate(clk *clock) *gate {
	return &gate{release: make(chan struct{}), started: make(chan string, 100), clk: clk}
}

func (g *gate) audit(ctx context.Context, t target.Target) *audit.Result {
	g.started <- t.Domain
	select {
	case <-g.release:
	case <-ctx.Done():
	}
	return &audit.Result{Domain: t.Domain, Time: g.clk.now(), Findings: []audit.Finding{}}
}

var client = netip.MustParseAddr("203.0.113.7")

func newQueue(t *testing.T, cfg Config) (*Queue, *gate, *clock, *memStore) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)}
	g := newGate(clk)
	st := &memStore{}
	cfg.Now = clk.now
	q := New(cfg, st, g.audit)
	ctx, cancel := context.WithCancel(context.Background())
	wait := q.Start(ctx)
	t.Cleanup(func() { cancel(); wait() })
	return q, g, clk, st
}

// waitState polls the status of token until it is in state want.
func waitState(t *testing.T, q *Queue, token string, want State) Status {
	t.Helper()
	for range 2000 {
		st, ok := q.Status(token)
		if !ok {
			t.Fatalf("token %s unknown", token)
		}
		if st.State == want {
			return st
		}
		time.Sleep(time.Millisecond)
	}
	st, _ := q.Status(token)
	t.Fatalf("request %s: state %s, want %s", token, st.State, want)
	return st
}

func TestSubmitRunsAndSaves(t *testing.T) {
	q, g, _, st := newQueue(t, Config{Parallel: 1, Queue: 4})
	s, err := q.Submit(context.Background(), client, "https://Mairie.Example.FR/page")
	if err != nil {
		t.Fatal(err)
	}
	if s.Domain != "mairie.example.fr" || len(s.Token) != 32 {
		t.Errorf("status %+v: want the normalised domain and a 128-bit token", s)
	}
	if d := <-g.started; d != "mairie.example.fr" {
		t.Errorf("audited %s", d)
	}
	waitState(t, q, s.Token, Running)
	g.release <- struct{}{}
	done := waitState(t, q, s.Token, Done)
	if done.AuditID != 1 || done.Earlier || len(st.audits) != 1 {
		t.Errorf("done %+v, %d stored; want audit 1, new, stored", done, len(st.audits))
	}
	if _, ok := q.Status("0123"); ok {
		t.Error("an unknown token has a status")
	}
}

func TestQueueFullAndPositions(t *testing.T) {
	q, g, _, _ := newQueue(t, Config{Parallel: 1, Queue: 2, Rate: 100})
	ctx := context.Background()
	first, err := q.Submit(ctx, client, "a.example.fr")
	if err != nil {
		t.Fatal(err)
	}
	<-g.started // a is running: the queue holds 2 more
	var waiting []Status
	for _, d := range []string{"b.example.fr", "c.example.fr"} {
		s, err := q.Submit(ctx, client, d)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		waiting = append(waiting, s)
	}
	for i, s := range waiting {
		if s.State != Queued || s.Position != i+1 {
			t.Errorf("%s: %s at %d, want queued at %d", s.Domain, s.State, s.Position, i+1)
		}
	}
	_, err = q.Submit(ctx, client, "d.example.fr")
	var re *RequestError
	if !errors.As(err, &re) || !errors.Is(err, ErrBusy) || re.RetryAfter <= 0 {
		t.Fatalf("fourth request: %v, want ErrBusy with a Retry-After", err)
	}
	if !strings.Contains(re.Why.FR, "occupé") || !strings.Contains(re.Why.EN, "busy") {
		t.Errorf("busy: %+v", re.Why)
	}
	// The same domain in flight answers with its request, queue full
	// or not.
	again, err := q.Submit(ctx, client, "c.example.fr")
	if err != nil || again.Token != waiting[1].Token {
		t.Errorf("c again: %v, %v; want its request in flight", again.Token, err)
	}
	g.release <- struct{}{}
	waitState(t, q, first.Token, Done)
	<-g.started
	if s := waitState(t, q, waiting[1].Token, Queued); s.Position != 1 {
		t.Errorf("c: position %d after a is done, want 1", s.Position)
	}
	g.release <- struct{}{}
	<-g.started
	g.release <- struct{}{}
	waitState(t, q, waiting[1].Token, Done)
}

func TestRateLimit(t *testing.T) {
	q, g, clk, _ := newQueue(t, Config{Parallel: 4, Queue: 10, Rate: 3, RateWindow: time.Hour})
	go func() {
		for range g.started {
			g.release <- struct{}{}
		}
	}()
	ctx := context.Background()
	for i := range 3 {
		if _, err := q.Submit(ctx, client, fmt.Sprintf("d%d.example.fr", i)); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	_, err := q.Submit(ctx, client, "d3.example.fr")
	var re *RequestError
	if !errors.As(err, &re) || !errors.Is(err, ErrRateLimited) {
		t.Fatalf("fourth request: %v, want ErrRateLimited", err)
	}
	if re.RetryAfter < 19*time.Minute || re.RetryAfter > 21*time.Minute {
		t.Errorf("retry after %v, want 20 min (one request every 20 min)", re.RetryAfter)
	}
	if !strings.Contains(re.Why.FR, "au plus 3 par heure") || !strings.Contains(re.Why.EN, "at most 3 per hour") {
		t.Errorf("why: %+v", re.Why)
	}
	// Another client is not limited; nor is another address of the
	// same IPv4 /24, but the same IPv6 /64 is.
	if _, err := q.Submit(ctx, netip.MustParseAddr("203.0.113.8"), "d4.example.fr"); err != nil {
		t.Errorf("another client: %v", err)
	}
	v6a, v6b := netip.MustParseAddr("2001:db8:1:2::1"), netip.MustParseAddr("2001:db8:1:2:ffff::9")
	for i := range 3 {
		if _, err := q.Submit(ctx, v6a, fmt.Sprintf("v%d.example.fr", i)); err != nil {
			t.Fatalf("v6 request %d: %v", i, err)
		}
	}
	if _, err := q.Submit(ctx, v6b, "v3.example.fr"); !errors.Is(err, ErrRateLimited) {
		t.Errorf("another address of the same /64: %v, want ErrRateLimited", err)
	}
	clk.add(21 * time.Minute)
	if _, err := q.Submit(ctx, client, "d3.example.fr"); err != nil {
		t.Errorf("after 21 min: %v, want one more request allowed", err)
	}
	if _, err := q.Submit(ctx, client, "d5.example.fr"); !errors.Is(err, ErrRateLimited) {
		t.Errorf("and a second one: %v, want ErrRateLimited", err)
	}
}

func TestCooldown(t *testing.T) {
	q, g, clk, st := newQueue(t, Config{Parallel: 1, Queue: 4, Cooldown: 10 * time.Minute, Rate: 100})
	go func() {
		for range g.started {
			g.release <- struct{}{}
		}
	}()
	ctx := context.Background()
	s, err := q.Submit(ctx, client, "mairie.example.fr")
	if err != nil {
		t.Fatal(err)
	}
	first := waitState(t, q, s.Token, Done)
	clk.add(9 * time.Minute)
	again, err := q.Submit(ctx, client, "MAIRIE.example.fr")
	if err != nil {
		t.Fatal(err)
	}
	if again.State != Done || !again.Earlier || again.AuditID != first.AuditID || again.Token == s.Token {
		t.Errorf("within the cool-down: %+v, want audit %d again, earlier, on a token of its own", again, first.AuditID)
	}
	clk.add(2 * time.Minute)
	late, err := q.Submit(ctx, client, "mairie.example.fr")
	if err != nil {
		t.Fatal(err)
	}
	if late.State == Done && late.AuditID == first.AuditID {
		t.Errorf("after the cool-down: %+v, want a new audit", late)
	}
	if s := waitState(t, q, late.Token, Done); s.AuditID != 2 || len(st.audits) != 2 {
		t.Errorf("after the cool-down: audit %d, %d stored; want audit 2", s.AuditID, len(st.audits))
	}
}

func TestInvalidNames(t *testing.T) {
	q, _, _, _ := newQueue(t, Config{})
	for _, tc := range []struct{ in, fr, en string }{
		{"", "nom vide", "empty name"},
		{"10.0.0.1", "adresse IP", "IP address"},
		{"gouv.fr", "suffixe public", "public suffix"},
		{"intranet.local", "usage spécial", "special-use"},
		{"lab.test", "usage spécial", "special-use"},
		{"ftp://x.fr", "http:// et https://", "http:// and https://"},
	} {
		_, err := q.Submit(context.Background(), client, tc.in)
		var re *RequestError
		if !errors.As(err, &re) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: %v, want ErrInvalid", tc.in, err)
			continue
		}
		if !strings.Contains(re.Why.FR, tc.fr) || !strings.Contains(re.Why.EN, tc.en) {
			t.Errorf("%q: %+v, want %q and %q", tc.in, re.Why, tc.fr, tc.en)
		}
	}
}

func TestJudge(t *testing.T) {
	refused := &audit.Result{Domain: "a.fr", Observations: &audit.Observations{
		Refused: []audit.Refusal{{Address: "10.1.2.3:443", Reason: "private"}}}}
	if s := judge(refused); s.State != Refused || len(s.Refusals) != 1 || !strings.Contains(s.Reason.FR, "hors de l'internet public") {
		t.Errorf("every connection refused: %+v", s)
	}
	partly := &audit.Result{Domain: "a.fr", Observations: &audit.Observations{
		Refused:     []audit.Refusal{{Address: "10.1.2.3:25", Reason: "private"}},
		Connections: []audit.Connections{{Address: "192.0.2.1:443", Count: 3}}}}
	if s := judge(partly); s.State != Done {
		t.Errorf("some connections opened: %+v, want done (the refusals are in the observations)", s)
	}
	m := audit.M("audit.no_such_domain")
	nx := &audit.Result{Domain: "a.fr", Error: "domain does not exist", ErrorMessage: &m}
	if s := judge(nx); s.State != Failed || s.Reason.FR == s.Reason.EN {
		t.Errorf("no such domain: %+v, want failed with a French and an English reason", s)
	}
}

func TestPublic(t *testing.T) {
	r := &audit.Result{Domain: "a.fr", Observations: &audit.Observations{
		Domain:         "a.fr",
		DNS:            &audit.DNSObservation{Resolver: "127.0.0.1:5353", DNSSEC: &audit.DNSSECObservation{Anchor: "file /etc/vigie/anchor"}},
		TLS:            []*audit.TLSObservation{{Host: "a.fr", Verification: &audit.CertVerification{Roots: "SSL_CERT_FILE=/srv/lab/ca.pem"}}},
		AllowedPrivate: []string{"127.0.0.0/8"},
	}}
	Public(r)
	o := r.Observations
	if o.DNS.Resolver != "" || o.DNS.DNSSEC.Anchor != "" || o.TLS[0].Verification.Roots != "" || o.AllowedPrivate != nil {
		t.Errorf("operator's settings left: resolver %q anchor %q roots %q allowed %v", o.DNS.Resolver, o.DNS.DNSSEC.Anchor, o.TLS[0].Verification.Roots, o.AllowedPrivate)
	}
	if r.Score == nil {
		t.Error("not judged again")
	}
	iana := &audit.Result{Domain: "a.fr", Error: "x", Observations: &audit.Observations{DNS: &audit.DNSObservation{DNSSEC: &audit.DNSSECObservation{Anchor: "IANA root"}}}}
	Public(iana)
	if iana.Observations.DNS.DNSSEC.Anchor != "IANA root" {
		t.Error("the IANA root anchor, which is everyone's, was taken out")
	}
}
