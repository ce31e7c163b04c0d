// Package campaign audits many organisations at once: it reads the list of
// targets (ReadTargets), and runs a campaign stored in a store.Store (Run):
// every pending job is audited by the engine, concurrently, politely, and
// its result saved as soon as it is known, so that a campaign killed at
// any moment resumes where it stopped. A campaign runs with the options
// stored with it (NewConfig), and Load finds the campaign to resume and
// its configuration, for the command line, the web server and the
// workers alike.
//
// It goes through the engine for everything on the network (the audits,
// and the cache of host addresses its audits share): it imports no probe.
// It does not open the database nor talk to the user: the command line
// does (cmd/vigie), with a Meter for the progress.
package campaign

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/store"
	"vigie.eu/vigie/internal/target"
)

// Defaults of Config.
const (
	// DefaultParallel is how many audits run at once.
	DefaultParallel = 64
	// DefaultPerIP is how many audits run at once against one web
	// address.
	DefaultPerIP = 8
	// DefaultRetries is how many times a transient failure is audited
	// again, DefaultRetryDelay the wait before the first retry.
	DefaultRetries    = 2
	DefaultRetryDelay = 5 * time.Second
)

// ErrInterrupted is returned by Run when its context was cancelled: the
// audits that were running were dropped and their jobs are still pending;
// running the campaign again finishes it.
var ErrInterrupted = errors.New("campaign: interrupted")

// ErrResolverDown is returned by Run, wrapped with the resolver's address
// and the reason, when the resolver does not answer, before the first
// audit or after an audit found no DNS answer at all: the audits that
// ended so are not stored (their jobs stay pending), the campaign stops,
// and running it again, once the resolver answers, finishes it.
var ErrResolverDown = errors.New("the resolver does not answer")

// ErrLeaseLost is returned by Run, wrapped, when the campaign's lease was
// lost while it ran (another process took it over after it expired): the
// audits in flight are dropped, their jobs stay pending.
var ErrLeaseLost = errors.New("the campaign's lease was lost")

// Config says how to run a campaign.
type Config struct {
	// Engine is the configuration of every audit. Its Lookup is
	// replaced by the campaign's cache of host addresses (an
	// engine.HostCache).
	Engine engine.Config
	// Browser says that the home pages are loaded in a headless
	// Chromium, BrowserParallel at once, trusting BrowserRoots (the
	// lab's CA, only when the campaign allows private ranges) besides
	// the system's roots: the caller starts it (pageprobe.StartBrowser)
	// into Engine.Browser, and stops it.
	Browser         bool
	BrowserParallel int
	BrowserRoots    []byte
	// Parallel is how many audits run at once; 0 means
	// DefaultParallel.
	Parallel int
	// PerIP is how many audits run at once against one web address
	// (see Run); 0 means DefaultPerIP.
	PerIP int
	// ConnsPerAddress, when positive, caps the TLS and SMTP connections
	// the audits of the campaign hold at once to one address (a web
	// host, a mail relay), all audits together (guard.ConnLimit); 0
	// means no cap beyond PerIP. Not on by default: the wait for a slot
	// counts against each connection's timeout, and a cap of 16 made
	// audits of one shared address time out under load.
	ConnsPerAddress int

	// Canary is a name that must exist, to check that the resolver
	// tells the truth (see Run); "" for no check. TruthEvery and
	// TruthInterval say how often: 0 means DefaultTruthEvery and
	// DefaultTruthInterval.
	Canary        string
	TruthEvery    int
	TruthInterval time.Duration
	// Retries is how many times a transient failure is audited again;
	// 0 means DefaultRetries, a negative value none. RetryDelay is the
	// wait before the first retry, doubled before each next one; 0
	// means DefaultRetryDelay.
	Retries    int
	RetryDelay time.Duration

	// onAudit, for tests, is called as an audit starts (delta 1) and
	// ends (delta -1), with the address its politeness slot is taken
	// on (the zero Addr for none).
	onAudit func(addr netip.Addr, delta int)
	// onRound, for tests, is called before each round of audits with
	// its attempt (1, then 2 for the first retries...).
	onRound func(attempt int)
}

// Progress is told how a campaign advances. Run calls its methods from
// one goroutine at a time.
type Progress interface {
	// Start is called once, before the first audit, with how many jobs
	// were already done and the total.
	Start(done, total int)
	// Saved is called after the result of a job is stored.
	Saved(j store.Job, r *audit.Result)
}

// saveTimeout bounds the storing of one result, which goes on after
// the campaign is interrupted so that no finished audit is lost.
const saveTimeout = time.Minute

// Run audits every pending job of the campaign and stores each result as
// it comes (results are not kept in memory), then records the campaign
// as finished. An audit that fails is stored with its Error, like any
// other result: it is done.
//
// One process at a time: Run takes the campaign's lease (store.Lock)
// first, and returns the *store.LockedError (wrapped) when another
// process holds it; when the lease is lost while it runs, Run stops like
// an interruption and returns ErrLeaseLost.
//
// Transient failures (engine.Transient: no DNS answer, a probe given up
// at the audit's deadline) are not stored at once: once every job has
// had its audit, they are audited again after cfg.RetryDelay (doubled at
// each round), up to cfg.Retries times; the last attempt is stored
// whatever it is, with the number of attempts (store.Job.Attempts).
//
// When cfg.Canary is set, the resolver is checked before the first audit
// and then every cfg.TruthEvery audits or cfg.TruthInterval (checkTruth):
// results wait in memory for the next check that passes before they are
// stored, so that when the resolver lies (ErrResolverLies, in a
// *TruthError) or stops answering (ErrResolverDown), no audit of that
// period is stored: they and the audits in flight are dropped, their jobs
// stay pending, and Run returns the error.
//
// Concurrency: at most cfg.Parallel audits run at once, and at most
// cfg.PerIP of them against one web address. Before its audit, a job's
// domain is resolved through the campaign's cache of host addresses (an
// engine.HostCache shared by all its audits, and used by the audits' own
// probes); the
// first address of the domain (IPv4 first), or if it has none of
// www.domain, is the job's web address. The audit takes one of the
// address's PerIP slots, and holds it until it ends; a job whose address
// has no free slot waits in the address's queue, and the worker moves on
// to the next job, so that one provider hosting thousands of bodies does
// not stall the others. A domain without any address (it does not
// exist, or DNS fails) takes no slot: its audit makes no connection
// beyond DNS. The slot covers the web address only: the mail hosts, often
// shared by thousands of domains, and www's address when it differs are
// not counted.
//
// When ctx is cancelled (Ctrl-C), no job is started any more, the
// running audits are cancelled and their results dropped (their jobs stay
// pending), the results already finished are stored (after a last check
// of the resolver when cfg.Canary is set), and Run returns
// ErrInterrupted. A failure of the store stops the campaign the same way
// and is returned.
func Run(ctx context.Context, st store.Store, campaignID int64, cfg Config, progress Progress) error {
	cfg = withDefaults(cfg)
	return locked(ctx, st, campaignID, func(ctx context.Context) error {
		return run(ctx, st, campaignID, cfg, progress)
	})
}

// withDefaults returns cfg with its zero values replaced by the defaults.
func withDefaults(cfg Config) Config {
	if cfg.Parallel <= 0 {
		cfg.Parallel = DefaultParallel
	}
	if cfg.PerIP <= 0 {
		cfg.PerIP = DefaultPerIP
	}
	switch {
	case cfg.Retries == 0:
		cfg.Retries = DefaultRetries
	case cfg.Retries < 0:
		cfg.Retries = 0
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = DefaultRetryDelay
	}
	if cfg.TruthEvery <= 0 {
		cfg.TruthEvery = DefaultTruthEvery
	}
	if cfg.TruthInterval <= 0 {
		cfg.TruthInterval = DefaultTruthInterval
	}
	return cfg
}

// locked runs fn holding the campaign's lease, with a context cancelled
// when the lease is lost (fn's error is then ErrLeaseLost).
func locked(ctx context.Context, st store.Store, campaignID int64, fn func(context.Context) error) error {
	lease, err := st.Lock(ctx, campaignID)
	if err != nil {
		return interrupted(ctx, fmt.Errorf("campaign %d: %w", campaignID, err))
	}
	defer lease.Release()
	outer := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var lost atomic.Bool
	go func() {
		select {
		case <-lease.Lost():
			lost.Store(true)
			cancel()
		case <-ctx.Done():
		}
	}()
	err = fn(ctx)
	if lost.Load() && (err == nil || errors.Is(err, ErrInterrupted)) {
		return fmt.Errorf("campaign %d: %w", campaignID, ErrLeaseLost)
	}
	if err != nil && outer.Err() != nil {
		return ErrInterrupted
	}
	return err
}

// run is Run once the lease is held.
func run(ctx context.Context, st store.Store, campaignID int64, cfg Config, progress Progress) error {
	done, total, err := st.Progress(ctx, campaignID)
	if err != nil {
		return interrupted(ctx, fmt.Errorf("campaign %d: %w", campaignID, err))
	}
	if progress != nil {
		progress.Start(done, total)
	}
	// The pending jobs are collected before any audit starts, rather
	// than fed from the store's cursor: a cursor held open for the
	// whole campaign would keep a read transaction open for minutes,
	// beside the writes of SaveAudit. A job is a few hundred bytes;
	// results, which are large, are never kept.
	var jobs []store.Job
	err = st.PendingJobs(ctx, campaignID, func(j store.Job) error {
		jobs = append(jobs, j)
		return nil
	})
	if err != nil {
		return interrupted(ctx, fmt.Errorf("campaign %d: pending jobs: %w", campaignID, err))
	}

	r, err := start(ctx, st, campaignID, cfg, progress, len(jobs) > 0)
	if err != nil {
		return err
	}
	if err := r.rounds(ctx, jobs); err != nil {
		return err
	}
	switch {
	case ctx.Err() != nil || r.saved < len(jobs):
		return ErrInterrupted
	}
	if err := st.FinishCampaign(ctx, campaignID, time.Now().UTC()); err != nil {
		return interrupted(ctx, fmt.Errorf("campaign %d: %w", campaignID, err))
	}
	return nil
}

// start checks the resolver (when check is set: there are jobs to
// audit) and returns the runner of the campaign.
func start(ctx context.Context, st store.Store, campaignID int64, cfg Config, progress Progress, check bool) (*runner, error) {
	hosts := engine.NewHostCache(cfg.Engine)
	if check {
		if err := hosts.CheckResolver(ctx); err != nil {
			return nil, interrupted(ctx, resolverDown(cfg.Engine.Resolver, err))
		}
		if cfg.Canary != "" {
			if err := checkTruth(ctx, hosts, cfg.Engine.Resolver, cfg.Canary); err != nil {
				return nil, interrupted(ctx, err)
			}
		}
	}
	ecfg := cfg.Engine
	ecfg.Lookup = hosts.Lookup
	if ecfg.TLSCache == nil {
		ecfg.TLSCache = engine.NewTLSCache()
	}
	if ecfg.Services && ecfg.ServicesCache == nil {
		ecfg.ServicesCache = engine.NewServicesCache()
	}
	if ecfg.ConnLimit == nil && cfg.ConnsPerAddress > 0 {
		ecfg.ConnLimit = guard.NewConnLimit(cfg.ConnsPerAddress)
	}
	return &runner{cfg: cfg, engine: ecfg, hosts: hosts, slots: map[netip.Addr]*slot{},
		st: st, id: campaignID, progress: progress, checked: time.Now()}, nil
}

// rounds audits jobs, then the transient failures again after a delay,
// up to cfg.Retries times.
func (r *runner) rounds(ctx context.Context, jobs []store.Job) error {
	queue := jobs
	for attempt := 1; len(queue) > 0 && ctx.Err() == nil; attempt++ {
		if attempt > 1 {
			t := time.NewTimer(r.cfg.RetryDelay << (attempt - 2))
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
			if ctx.Err() != nil {
				break
			}
		}
		if r.cfg.onRound != nil {
			r.cfg.onRound(attempt)
		}
		again, err := r.round(ctx, queue, attempt, attempt > r.cfg.Retries)
		if err != nil {
			return err
		}
		queue = again
	}
	return nil
}

// round audits jobs, their attempt-th audit; it stores the results, but
// for the transient failures, which it returns to be tried again, unless
// this is the final attempt.
func (r *runner) round(ctx context.Context, jobs []store.Job, attempt int, final bool) ([]store.Job, error) {
	cfg := r.cfg
	work, stop := context.WithCancel(ctx)
	defer stop()
	feed := make(chan store.Job)
	results := make(chan finished, cfg.Parallel)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(feed)
		for _, j := range jobs {
			select {
			case feed <- j:
			case <-work.Done():
				return
			}
		}
	})
	var workers sync.WaitGroup
	for range min(cfg.Parallel, max(len(jobs), 1)) {
		workers.Go(func() { r.work(work, feed, results) })
	}
	wg.Go(func() {
		workers.Wait()
		close(results)
	})

	var again []store.Job
	var batch []finished
	var stopErr error
	saveCtx := context.WithoutCancel(ctx)
	for f := range results {
		if stopErr != nil {
			continue
		}
		if f.res.Error == engine.ErrCancelled && work.Err() != nil {
			continue // dropped: pending on resume
		}
		if engine.ResolverSilent(f.res) {
			// The domain's fault, or the resolver's? Ask the
			// resolver about the root before storing an audit
			// that saw nothing.
			if err := r.hosts.CheckResolver(saveCtx); err != nil {
				stopErr = resolverDown(cfg.Engine.Resolver, err)
				stop()
				continue
			}
		}
		f.job.Attempts = attempt
		if !final && engine.Transient(f.res) {
			again = append(again, f.job)
			continue
		}
		if cfg.Canary == "" {
			if stopErr = r.save(saveCtx, f); stopErr != nil {
				stop()
			}
			continue
		}
		batch = append(batch, f)
		if len(batch) >= cfg.TruthEvery || time.Since(r.checked) >= cfg.TruthInterval {
			if stopErr = r.flush(saveCtx, batch); stopErr != nil {
				stop()
			}
			batch = batch[:0]
		}
	}
	wg.Wait()
	if stopErr == nil && len(batch) > 0 {
		stopErr = r.flush(saveCtx, batch)
	}
	return again, stopErr
}

// flush checks that the resolver tells the truth, then stores batch; when
// it lies, the batch is dropped.
func (r *runner) flush(ctx context.Context, batch []finished) error {
	if err := checkTruth(ctx, r.hosts, r.cfg.Engine.Resolver, r.cfg.Canary); err != nil {
		return err
	}
	r.checked = time.Now()
	for _, f := range batch {
		if err := r.save(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

// save stores one result.
func (r *runner) save(ctx context.Context, f finished) error {
	sctx, cancel := context.WithTimeout(ctx, saveTimeout)
	var err error
	if r.replace {
		err = r.st.ReplaceAudit(sctx, f.job, f.res)
	} else {
		err = r.st.SaveAudit(sctx, f.job, f.res)
	}
	cancel()
	if err != nil {
		return fmt.Errorf("campaign %d: saving %s of %s: %w", r.id, f.job.Domain, f.job.Org.ID, err)
	}
	r.saved++
	if r.progress != nil {
		r.progress.Saved(f.job, f.res)
	}
	return nil
}

// resolverDown wraps ErrResolverDown with the resolver's address and the
// reason.
func resolverDown(resolver string, err error) error {
	if resolver == "" {
		resolver = "system"
	}
	return fmt.Errorf("campaign: %w (%s): %v", ErrResolverDown, resolver, err)
}

// interrupted returns ErrInterrupted when ctx was cancelled, else err.
func interrupted(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ErrInterrupted
	}
	return err
}

// finished is the result of one job.
type finished struct {
	job store.Job
	res *audit.Result
}

// runner is one running campaign.
type runner struct {
	cfg    Config
	engine engine.Config
	hosts  *engine.HostCache

	// Used by the loop that stores the results only.
	st       store.Store
	id       int64
	progress Progress
	replace  bool      // the jobs have an audit to replace (Retry)
	saved    int       // results stored
	checked  time.Time // when the resolver last told the truth

	mu    sync.Mutex
	slots map[netip.Addr]*slot
}

// slot is the politeness state of one web address: the audits running
// against it and the jobs waiting for one of them to end.
type slot struct {
	running int
	waiting []queued
}

// queued is a job and its web address.
type queued struct {
	job  store.Job
	t    target.Target
	addr netip.Addr
}

// work runs jobs until the feed is closed or ctx is cancelled. After each
// audit, a worker runs the next job waiting for the same address, if any,
// on the slot it holds.
func (r *runner) work(ctx context.Context, feed <-chan store.Job, results chan<- finished) {
	var next *queued
	for {
		if ctx.Err() != nil {
			return
		}
		var q queued
		if next != nil {
			q, next = *next, nil
		} else {
			var j store.Job
			var ok bool
			select {
			case j, ok = <-feed:
				if !ok {
					return
				}
			case <-ctx.Done():
				return
			}
			t, err := target.Parse(j.Domain)
			if err != nil {
				res := &audit.Result{Domain: j.Domain, Input: j.Domain, Time: time.Now().UTC(), Version: r.engine.Version,
					Findings: []audit.Finding{}, Error: err.Error()}
				results <- finished{j, res}
				continue
			}
			addr, _ := r.webAddress(ctx, t.Domain)
			q = queued{job: j, t: t, addr: addr}
			if !r.acquire(q) {
				continue // queued behind the address's audits
			}
		}
		if r.cfg.onAudit != nil {
			r.cfg.onAudit(q.addr, 1)
		}
		res := engine.Audit(ctx, r.jobEngine(q.job), q.t)
		if r.cfg.onAudit != nil {
			r.cfg.onAudit(q.addr, -1)
		}
		results <- finished{q.job, res}
		next = r.release(q.addr)
	}
}

// jobEngine is the engine configuration of job j: the campaign's, with
// the category of j's organisation, and with the DKIM selectors the targets file gives for j's domain looked up
// besides the campaign's own.
func (r *runner) jobEngine(j store.Job) engine.Config {
	cfg := r.engine
	cfg.Category = j.Org.Category
	if len(j.DKIMSelectors) == 0 {
		return cfg
	}
	cfg.DKIMSelectors = slices.Clone(r.engine.DKIMSelectors)
	for _, s := range j.DKIMSelectors {
		if !slices.Contains(cfg.DKIMSelectors, s) {
			cfg.DKIMSelectors = append(cfg.DKIMSelectors, s)
		}
	}
	return cfg
}

// lookupTries is how many times webAddress asks about a name whose
// lookup fails (a timeout, a refusal, a broken answer) rather than says
// it has no address.
const lookupTries = 3

// webAddress returns the address that keys the politeness slot of
// domain (see Run): the domain's first address, IPv4 first, else www's,
// or the zero Addr when neither has one. A lookup that fails is asked
// again, up to lookupTries times, for the audit would ask in its turn,
// find the address, and connect to it without a slot (seen in
// e2e/workers.sh under load); err is that failure when it lasts, and the
// audit then goes without a slot, as its own lookups will most likely
// fail the same way.
func (r *runner) webAddress(ctx context.Context, domain string) (netip.Addr, error) {
	timeout := r.engine.Timeout
	if timeout <= 0 {
		timeout = engine.DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var failed error
	for _, host := range []string{domain, "www." + domain} {
		for range lookupTries {
			addrs, err := r.hosts.Lookup(ctx, host)
			if err == nil && len(addrs) > 0 {
				return addrs[0], nil
			}
			if err == nil || engine.NoAddress(err) || ctx.Err() != nil {
				break
			}
			failed = err
		}
	}
	return netip.Addr{}, failed
}

// acquire takes a slot of q's address, or queues q and returns false.
func (r *runner) acquire(q queued) bool {
	if !q.addr.IsValid() {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.slots[q.addr]
	if s == nil {
		s = &slot{}
		r.slots[q.addr] = s
	}
	if s.running < r.cfg.PerIP {
		s.running++
		return true
	}
	s.waiting = append(s.waiting, q)
	return false
}

// release gives back a slot of addr, or hands it to the next job
// waiting for it, which it returns.
func (r *runner) release(addr netip.Addr) *queued {
	if !addr.IsValid() {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.slots[addr]
	if len(s.waiting) > 0 {
		q := s.waiting[0]
		s.waiting[0] = queued{}
		s.waiting = s.waiting[1:]
		return &q
	}
	s.running--
	if s.running == 0 {
		delete(r.slots, addr)
	}
	return nil
}
