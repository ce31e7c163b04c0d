package campaign

import (
	"errors"
	"net"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/dnstest"
	"vigie.eu/vigie/internal/engine/enginetest"
	"vigie.eu/vigie/internal/store"
)

// liar is a DNS forwarder to another server that can be made to lie:
// NXDOMAIN to every question (a filtering resolver), or an address to
// every name (a resolver that rewrites NXDOMAIN), or to answer SERVFAIL
// to the questions about the names under fail.
type liar struct {
	addr     string
	upstream string
	nxdomain atomic.Bool
	wildcard atomic.Bool
	fail     atomic.Value // string: a domain whose names get SERVFAIL
}

func newLiar(t *testing.T, upstream string) *liar {
	t.Helper()
	l := &liar{upstream: upstream}
	l.fail.Store("")
	l.addr = dnstest.Serve(t, l)
	return l
}

func (l *liar) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	name := strings.ToLower(req.Question[0].Name)
	if f := l.fail.Load().(string); f != "" && (name == f+"." || strings.HasSuffix(name, "."+f+".")) {
		m := new(dns.Msg)
		m.SetRcode(req, dns.RcodeServerFailure)
		w.WriteMsg(m)
		return
	}
	if l.nxdomain.Load() && name != "." {
		m := new(dns.Msg)
		m.SetRcode(req, dns.RcodeNameError)
		m.RecursionAvailable = true
		w.WriteMsg(m)
		return
	}
	if l.wildcard.Load() && req.Question[0].Qtype == dns.TypeA {
		m := new(dns.Msg)
		m.SetReply(req)
		m.RecursionAvailable = true
		rr, _ := dns.NewRR(req.Question[0].Name + " 60 IN A 127.0.0.9")
		m.Answer = append(m.Answer, rr)
		w.WriteMsg(m)
		return
	}
	c := &dns.Client{Net: "udp"}
	if _, ok := w.RemoteAddr().(*net.TCPAddr); ok {
		c.Net = "tcp"
	}
	resp, _, err := c.Exchange(req, l.upstream)
	if err != nil {
		return
	}
	w.WriteMsg(resp)
}

// lieAfter is a Progress that makes the resolver answer NXDOMAIN to
// everything after n results.
type lieAfter struct {
	n   int
	dns *liar
}

func (d *lieAfter) Start(done, total int) {}
func (d *lieAfter) Saved(j store.Job, r *audit.Result) {
	if d.n--; d.n == 0 {
		d.dns.nxdomain.Store(true)
	}
}

// TestRunResolverLies: a resolver that says the canary does not exist, or
// that a name that cannot exist does, stops the campaign before any
// audit is stored; one that starts lying during the campaign stops it
// without storing any audit that ended after the last check that
// passed; once it tells the truth again, the campaign finishes.
func TestRunResolverLies(t *testing.T) {
	lab := enginetest.NewLab(t)
	fwd := newLiar(t, lab.Resolver)
	cfg := labConfig(lab)
	cfg.Engine.Resolver = fwd.addr
	cfg.Canary = "good.test"
	cfg.Parallel = 2
	cfg.TruthEvery = 3
	st := newMemStore(labOrgs(12))

	for _, lie := range []*atomic.Bool{&fwd.nxdomain, &fwd.wildcard} {
		lie.Store(true)
		err := Run(t.Context(), st, 1, cfg, nil)
		var te *TruthError
		if !errors.Is(err, ErrResolverLies) || !errors.As(err, &te) {
			t.Fatalf("Run with a lying resolver = %v, want ErrResolverLies", err)
		}
		if want := lie == &fwd.nxdomain; te.MustExist != want || (want && te.Name != "good.test") ||
			(!want && !strings.HasPrefix(te.Name, "vigie-check-")) {
			t.Errorf("TruthError = %+v: the wrong check failed", te)
		}
		if done, _, _ := st.Progress(t.Context(), 1); done != 0 {
			t.Errorf("%d audits stored with a lying resolver", done)
		}
		lie.Store(false)
	}

	err := Run(t.Context(), st, 1, cfg, &lieAfter{n: 3, dns: fwd})
	if !errors.Is(err, ErrResolverLies) {
		t.Fatalf("Run with a resolver that starts lying = %v, want ErrResolverLies", err)
	}
	if done, total, _ := st.Progress(t.Context(), 1); done != 3 {
		t.Errorf("after the resolver started lying: %d/%d stored, want the 3 checked before", done, total)
	}
	for k, r := range st.results {
		if r.Error == "domain does not exist" && !strings.HasSuffix(k, "absent.test") {
			t.Errorf("%q: stored an audit of the lying period: %s", k, r.Error)
		}
	}
	if !st.finished.IsZero() {
		t.Error("campaign recorded as finished")
	}

	fwd.nxdomain.Store(false)
	if err := Run(t.Context(), st, 1, cfg, nil); err != nil {
		t.Fatal(err)
	}
	for _, j := range st.jobs {
		if n := st.saves[key(j)]; n != 1 {
			t.Errorf("%s saved %d times", key(j), n)
		}
	}
	// absent.test does not exist in the lab: its audit says so, the
	// resolver telling the truth.
	for _, j := range st.jobs {
		r := st.results[key(j)]
		if (j.Domain == "absent.test") != (r.Error == "domain does not exist") {
			t.Errorf("%s: error %q", j.Domain, r.Error)
		}
	}
}

// TestRunRetriesTransient: audits that got SERVFAIL are audited again
// after the rest, and stored with a grade and their number of attempts;
// without retries they are stored as they are, and Retry audits them
// again in the finished campaign, replacing them.
func TestRunRetriesTransient(t *testing.T) {
	lab := enginetest.NewLab(t)
	fwd := newLiar(t, lab.Resolver)
	cfg := labConfig(lab)
	cfg.Engine.Resolver = fwd.addr
	cfg.Parallel = 4
	cfg.RetryDelay = time.Millisecond
	cfg.onRound = func(attempt int) {
		if attempt == 1 {
			fwd.fail.Store("good.test")
		} else {
			fwd.fail.Store("")
		}
	}
	st := newMemStore(labOrgs(6))
	if err := Run(t.Context(), st, 1, cfg, nil); err != nil {
		t.Fatal(err)
	}
	for _, j := range st.jobs {
		r, attempts := st.results[key(j)], st.attempts[key(j)]
		want := 1
		if j.Domain == "good.test" {
			want = 2
			if r.Error != "" || r.Score == nil {
				t.Errorf("%s after its retry: error %q, score %v", key(j), r.Error, r.Score)
			}
		}
		if attempts != want {
			t.Errorf("%s stored after %d attempts, want %d", key(j), attempts, want)
		}
	}

	// No retry: stored in error; Retry on the finished campaign.
	db, err := store.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "retry.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	id, err := db.CreateCampaign(t.Context(), &store.Campaign{Name: "retry"}, labOrgs(6))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Retries = -1
	cfg.onRound = nil
	fwd.fail.Store("good.test")
	if err := Run(t.Context(), db, id, cfg, nil); err != nil {
		t.Fatal(err)
	}
	errors := func() map[string]string {
		got := map[string]string{}
		db.CampaignAudits(t.Context(), id, func(r store.AuditRecord) error {
			got[r.Org.ID+" "+r.Domain] = r.Result.Error
			if r.Domain == "good.test" && r.Result.Error == "" && r.Attempts != 2 {
				t.Errorf("%s retried: %d attempts, want 2", r.Domain, r.Attempts)
			}
			return nil
		})
		return got
	}
	failed := 0
	for k, e := range errors() {
		if strings.HasSuffix(k, " good.test") != strings.HasPrefix(e, "no DNS answer") {
			t.Errorf("%s without retries: error %q", k, e)
		}
		if strings.HasSuffix(k, " good.test") {
			failed++
		}
	}
	fwd.fail.Store("")
	n, err := Retry(t.Context(), db, id, cfg, nil)
	if err != nil || n != failed || failed == 0 {
		t.Fatalf("Retry = %d, %v, want %d jobs retried", n, err, failed)
	}
	for k, e := range errors() {
		if e != "" && !strings.HasSuffix(k, " absent.test") {
			t.Errorf("%s after Retry: error %q", k, e)
		}
	}
}

// TestRunLocked: a campaign whose lease is held is not run.
func TestRunLocked(t *testing.T) {
	st := newMemStore(labOrgs(2))
	l, err := st.Lock(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	var le *store.LockedError
	if err := Run(t.Context(), st, 1, Config{}, nil); !errors.As(err, &le) {
		t.Fatalf("Run of a locked campaign = %v, want a *store.LockedError", err)
	}
	if done, _, _ := st.Progress(t.Context(), 1); done != 0 || !st.finished.IsZero() {
		t.Errorf("a locked campaign was run: %d audits stored", done)
	}
	l.Release()
}
