package campaign

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/engine/enginetest"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/store"
)

// memStore is a store.Store in memory, for one campaign. It counts the
// saves of each job, to find a job saved twice.
type memStore struct {
	mu       sync.Mutex
	jobs     []store.Job
	saves    map[string]int
	results  map[string]*audit.Result
	finished time.Time
	failSave error
	attempts map[string]int // Job.Attempts of the saved results
	locked   bool
}

func key(j store.Job) string { return j.Org.ID + "\x00" + j.Domain }

func newMemStore(orgs []store.Organisation) *memStore {
	s := &memStore{saves: map[string]int{}, results: map[string]*audit.Result{}}
	for _, o := range orgs {
		for _, d := range o.Domains {
			s.jobs = append(s.jobs, store.Job{CampaignID: 1, Org: o, Domain: d})
		}
	}
	return s
}

func (s *memStore) CreateCampaign(ctx context.Context, c *store.Campaign, orgs []store.Organisation) (int64, error) {
	return 0, errors.New("not implemented")
}

func (s *memStore) Campaign(ctx context.Context, id int64) (*store.Campaign, error) {
	return nil, errors.New("not implemented")
}

func (s *memStore) LatestCampaign(ctx context.Context) (*store.Campaign, error) {
	return nil, errors.New("not implemented")
}

func (s *memStore) ListCampaigns(ctx context.Context, before int64, limit int) ([]store.CampaignSummary, error) {
	return nil, errors.New("not implemented")
}

func (s *memStore) PendingJobs(ctx context.Context, id int64, fn func(store.Job) error) error {
	s.mu.Lock()
	var pending []store.Job
	for _, j := range s.jobs {
		if s.saves[key(j)] == 0 {
			pending = append(pending, j)
		}
	}
	s.mu.Unlock()
	for _, j := range pending {
		if err := fn(j); err != nil {
			return err
		}
	}
	return nil
}

func (s *memStore) SaveAudit(ctx context.Context, j store.Job, r *audit.Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failSave != nil {
		return s.failSave
	}
	s.saves[key(j)]++
	if s.results[key(j)] == nil {
		s.results[key(j)] = r
		if s.attempts == nil {
			s.attempts = map[string]int{}
		}
		s.attempts[key(j)] = j.Attempts
	}
	return nil
}

func (s *memStore) Progress(ctx context.Context, id int64) (int, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.results), len(s.jobs), nil
}

func (s *memStore) FinishCampaign(ctx context.Context, id int64, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finished = at
	return nil
}

func (s *memStore) LatestAudits(ctx context.Context, fn func(store.AuditRecord) error) error {
	return errors.New("not implemented")
}

func (s *memStore) CampaignAudits(ctx context.Context, id int64, fn func(store.AuditRecord) error) error {
	return errors.New("not implemented")
}

func (s *memStore) CampaignDigests(ctx context.Context, id int64, fn func(store.AuditRecord) error) error {
	return errors.New("not implemented")
}

func (s *memStore) History(ctx context.Context, domain string, full bool) ([]store.AuditRecord, error) {
	return nil, errors.New("not implemented")
}

func (s *memStore) CampaignOrganisations(ctx context.Context, id int64, fn func(store.Organisation) error) error {
	return errors.New("not implemented")
}

func (s *memStore) Close() error { return nil }

func (s *memStore) Organisations(ctx context.Context, fn func(store.Organisation) error) error {
	return errors.New("not implemented")
}

func (s *memStore) OrganisationAudits(ctx context.Context, orgID string) ([]store.AuditRecord, error) {
	return nil, errors.New("not implemented")
}

func (s *memStore) Audit(ctx context.Context, id int64) (store.AuditRecord, error) {
	return store.AuditRecord{}, errors.New("not implemented")
}

func (s *memStore) ShiftCampaign(ctx context.Context, id int64, by time.Duration) error {
	return errors.New("not implemented")
}

// labConfig audits the enginetest lab.
func labConfig(lab *enginetest.Lab) Config {
	return Config{Engine: engine.Config{AddressPolicy: guard.LabPolicy(),
		Resolver:  lab.Resolver,
		Anchors:   lab.Anchors,
		Roots:     lab.CA.Pool(),
		RootsName: "lab",
		HTTPPort:  lab.HTTPPort, HTTPSPort: lab.HTTPSPort, SMTPPort: lab.SMTPPort,
		DKIMSelectors: []string{enginetest.DKIMSelector},
		Timeout:       10 * time.Second,
		Version:       "test",
	}}
}

// labOrgs returns n organisations, each with one or two of the lab's
// domains.
func labOrgs(n int) []store.Organisation {
	domains := []string{"good.test", "example.test", "nowww.test", "xn--mairie-vry-h7a.test", "absent.test"}
	var orgs []store.Organisation
	for i := range n {
		o := store.Organisation{ID: fmt.Sprintf("%05d", i), Name: fmt.Sprintf("Org %d", i), Domains: []string{domains[i%len(domains)]}}
		if i%3 == 0 {
			o.Domains = append(o.Domains, domains[(i+1)%len(domains)])
		}
		orgs = append(orgs, o)
	}
	return orgs
}

// recorder is a Progress that records what it is told.
type recorder struct {
	start [2]int
	saved []string
}

func (r *recorder) Start(done, total int) { r.start = [2]int{done, total} }
func (r *recorder) Saved(j store.Job, res *audit.Result) {
	r.saved = append(r.saved, key(j))
}

func TestRun(t *testing.T) {
	lab := enginetest.NewLab(t)
	st := newMemStore(labOrgs(10))
	var rec recorder
	if err := Run(t.Context(), st, 1, labConfig(lab), &rec); err != nil {
		t.Fatal(err)
	}
	if st.finished.IsZero() {
		t.Error("campaign not finished")
	}
	if rec.start != [2]int{0, len(st.jobs)} || len(rec.saved) != len(st.jobs) {
		t.Errorf("progress: start %v, %d saved; want [0 %d], %d", rec.start, len(rec.saved), len(st.jobs), len(st.jobs))
	}
	grades := map[string]string{}
	for _, j := range st.jobs {
		if n := st.saves[key(j)]; n != 1 {
			t.Errorf("%s saved %d times", key(j), n)
		}
		r := st.results[key(j)]
		if r == nil || r.Domain != j.Domain {
			t.Fatalf("%s: result %+v", key(j), r)
		}
		g := r.Error
		if r.Score != nil {
			g = r.Score.Grade
		}
		if prev, ok := grades[j.Domain]; ok && prev != g {
			t.Errorf("%s: grade %q then %q", j.Domain, prev, g)
		}
		grades[j.Domain] = g
	}
	if grades["absent.test"] != engine.ErrNoSuchDomain {
		t.Errorf("absent.test: %q, want the error %q", grades["absent.test"], engine.ErrNoSuchDomain)
	}
	if g := grades["good.test"]; g == "" || g == engine.ErrNoSuchDomain || g[0] > 'B' {
		t.Errorf("good.test graded %q", g)
	}

	// Everything done: a second run audits nothing and finishes.
	st.finished = time.Time{}
	rec = recorder{}
	if err := Run(t.Context(), st, 1, labConfig(lab), &rec); err != nil {
		t.Fatal(err)
	}
	if st.finished.IsZero() || len(rec.saved) != 0 || rec.start != [2]int{len(st.jobs), len(st.jobs)} {
		t.Errorf("second run: finished %v, start %v, saved %d", st.finished, rec.start, len(rec.saved))
	}
}

// TestRunPerIP counts, in the test hook, the audits running at once on
// each address: every web name of the lab resolves to 127.0.0.1, so that
// all its audits share one address.
func TestRunPerIP(t *testing.T) {
	lab := enginetest.NewLab(t)
	for _, perIP := range []int{1, 3} {
		t.Run(fmt.Sprint(perIP), func(t *testing.T) {
			st := newMemStore(labOrgs(24))
			cfg := labConfig(lab)
			cfg.Parallel, cfg.PerIP = 16, perIP
			var mu sync.Mutex
			running, peak := map[netip.Addr]int{}, map[netip.Addr]int{}
			cfg.onAudit = func(a netip.Addr, delta int) {
				mu.Lock()
				defer mu.Unlock()
				running[a] += delta
				peak[a] = max(peak[a], running[a])
			}
			if err := Run(t.Context(), st, 1, cfg, nil); err != nil {
				t.Fatal(err)
			}
			web := netip.MustParseAddr("127.0.0.1")
			if peak[web] > perIP || peak[web] == 0 {
				t.Errorf("peak of audits on %s: %d, want 1 to %d", web, peak[web], perIP)
			}
			for a, n := range peak {
				if a != web && a.IsValid() {
					t.Errorf("audits on unexpected address %s (%d)", a, n)
				}
			}
			// absent.test has no address: it takes no slot.
			if peak[netip.Addr{}] == 0 {
				t.Error("no audit without address")
			}
			if len(st.results) != len(st.jobs) {
				t.Errorf("%d results for %d jobs", len(st.results), len(st.jobs))
			}
		})
	}
}

// cancelAfter is a Progress that cancels the campaign after n results.
type cancelAfter struct {
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Start(done, total int) {}
func (c *cancelAfter) Saved(j store.Job, r *audit.Result) {
	if c.n--; c.n == 0 {
		c.cancel()
	}
}

func TestRunInterruptedResumes(t *testing.T) {
	lab := enginetest.NewLab(t)
	st := newMemStore(labOrgs(30))
	cfg := labConfig(lab)
	cfg.Parallel = 4
	ctx, cancel := context.WithCancel(t.Context())
	err := Run(ctx, st, 1, cfg, &cancelAfter{n: 5, cancel: cancel})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Run = %v, want ErrInterrupted", err)
	}
	if !st.finished.IsZero() {
		t.Error("interrupted campaign recorded as finished")
	}
	done, total, _ := st.Progress(t.Context(), 1)
	if done < 5 || done >= total {
		t.Errorf("after interruption: %d/%d done", done, total)
	}
	for k, r := range st.results {
		if r.Error == engine.ErrCancelled {
			t.Errorf("%q: cancelled audit stored", k)
		}
	}
	if err := Run(t.Context(), st, 1, cfg, nil); err != nil {
		t.Fatal(err)
	}
	for _, j := range st.jobs {
		if n := st.saves[key(j)]; n != 1 {
			t.Errorf("%s saved %d times", key(j), n)
		}
	}
	if st.finished.IsZero() {
		t.Error("campaign not finished")
	}
}

func TestRunStoreFailure(t *testing.T) {
	lab := enginetest.NewLab(t)
	st := newMemStore(labOrgs(8))
	st.failSave = errors.New("disk full")
	err := Run(t.Context(), st, 1, labConfig(lab), nil)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Run = %v, want the store's error", err)
	}
	if !st.finished.IsZero() {
		t.Error("failed campaign recorded as finished")
	}
}

func TestMeter(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	now := start
	tests := []struct {
		lang     string
		terminal bool
		want     string
	}{
		{"fr", false, "campagne : 40/100 (40,0 %), 2,0 audits/s, reste 0:30\n"},
		{"en", false, "campaign: 40/100 (40.0%), 2.0 audits/s, ETA 0:30\n"},
		{"en", true, "\r[#########...............] 40/100 (40.0%), 2.0 audits/s, ETA 0:30\x1b[K\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		m := NewMeter(&b, tt.terminal, tt.lang)
		m.now = func() time.Time { return now }
		now = start
		m.Start(20, 100)
		for i := range 20 {
			r := &audit.Result{Score: &audit.Score{Grade: "B"}}
			switch {
			case i < 2:
				r = &audit.Result{Error: engine.ErrNoSuchDomain}
			case i < 5:
				r.Score.Grade = "A+"
			}
			if i >= 2 && i < 8 {
				// Mail hosts: one enumerated, five taken from it.
				tls := &audit.TLSObservation{}
				if i > 2 {
					tls.SharedFrom = "a.test"
				}
				r.Observations = &audit.Observations{Mail: &audit.MailObservation{MX: &audit.MXObservation{Hosts: []*audit.MXHost{{SMTP: []*audit.SMTPObservation{{TLS: tls}}}}}}}
			}
			m.Saved(store.Job{}, r)
		}
		now = start.Add(10 * time.Second)
		m.draw(true)
		if diff := cmp.Diff(tt.want, b.String()); diff != "" {
			t.Errorf("%s terminal=%v (-want +got):\n%s", tt.lang, tt.terminal, diff)
		}
		if tt.lang == "en" && !tt.terminal {
			want := "20 audits in 10s (2.0 audits/s); 40/100 jobs done\nGrades: A+ 3, B 15\nAudits in error: 2\nTLS enumerations of mail servers: 1 made, 5 taken from another audit of the campaign\n"
			if diff := cmp.Diff(want, m.Summary()); diff != "" {
				t.Errorf("summary (-want +got):\n%s", diff)
			}
		}
	}
}

// BenchmarkRun runs campaigns of 100 jobs against the engine's lab, with
// every audit on one address (the lab's), and reports audits per second.
func BenchmarkRun(b *testing.B) {
	lab := enginetest.NewLab(b)
	cfg := labConfig(lab)
	cfg.PerIP = DefaultParallel
	orgs := labOrgs(75)
	n := 0
	start := time.Now()
	for b.Loop() {
		st := newMemStore(orgs)
		if err := Run(b.Context(), st, 1, cfg, nil); err != nil {
			b.Fatal(err)
		}
		n += len(st.jobs)
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "audits/s")
}

// TestRunJobSelectors: the DKIM selectors of a job (the targets file's
// dkim_selectors column) are looked up besides the campaign's: good.test's
// key is found under its selector only for the job that gives it.
func TestRunJobSelectors(t *testing.T) {
	lab := enginetest.NewLab(t)
	cfg := labConfig(lab)
	cfg.Engine.DKIMSelectors = nil
	with := store.Organisation{ID: "1", Domains: []string{"good.test"}}
	without := store.Organisation{ID: "2", Domains: []string{"good.test"}}
	st := newMemStore([]store.Organisation{with, without})
	st.jobs[0].DKIMSelectors = []string{enginetest.DKIMSelector}
	if err := Run(t.Context(), st, 1, cfg, nil); err != nil {
		t.Fatal(err)
	}
	dkim := func(org string) []string {
		var ids []string
		for _, f := range st.results[org+"\x00good.test"].Findings {
			if strings.HasPrefix(f.ID, "mail.dkim.") {
				ids = append(ids, f.ID)
			}
		}
		return ids
	}
	if got := dkim("1"); len(got) != 0 {
		t.Errorf("job with the lab's selector: DKIM findings %v, want none", got)
	}
	if got := dkim("2"); len(got) == 0 {
		t.Errorf("job without selectors: no DKIM finding, want the key not found (the campaign has no selector)")
	}
	if len(cfg.Engine.DKIMSelectors) != 0 {
		t.Errorf("the campaign's selectors became %v", cfg.Engine.DKIMSelectors)
	}
}

func (s *memStore) SaveOnDemand(ctx context.Context, r *audit.Result) (int64, error) {
	return 0, errors.New("not implemented")
}

func (s *memStore) OnDemand(ctx context.Context, id int64) (store.OnDemandAudit, error) {
	return store.OnDemandAudit{}, errors.New("not implemented")
}

func (s *memStore) LatestOnDemand(ctx context.Context, domain string, since time.Time) (store.OnDemandAudit, error) {
	return store.OnDemandAudit{}, errors.New("not implemented")
}
