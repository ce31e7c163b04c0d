package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/campaign"
	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/store"
)

// Defaults of WorkerConfig.
const (
	// DefaultJobTimeout bounds one job: the audit (30 s by default,
	// the campaign's --timeout), its wait for DNS, and the storing of
	// its result (a minute at most).
	DefaultJobTimeout = 5 * time.Minute
	// DefaultHeartbeat is how often a worker renews its row.
	DefaultHeartbeat = 5 * time.Second
	// DefaultSnooze is how long a job whose web address has no free
	// slot waits before a worker takes it again.
	DefaultSnooze = 2 * time.Second
)

// WorkerConfig says how a worker runs.
type WorkerConfig struct {
	// Store is where results are stored (SaveAudit) and campaigns read.
	Store store.Store
	// Version is the running vigie's, recorded in every result.
	Version string
	// Parallel is how many jobs run at once in this worker.
	Parallel int
	// JobTimeout bounds one job (DefaultJobTimeout when 0). Lease is
	// how long a job stays running after its worker stopped answering
	// before River's rescuer hands it to another (RescueStuckJobsAfter):
	// it must exceed JobTimeout, which it defaults to plus a minute. The
	// rescuer looks every 30 s, so a killed worker's jobs come back
	// between Lease and Lease + 30 s after they started.
	JobTimeout, Lease time.Duration
	// Heartbeat is how often the worker renews its row of
	// queue_workers (DefaultHeartbeat when 0); Snooze how long a job
	// without a free slot waits (DefaultSnooze when 0).
	Heartbeat, Snooze time.Duration
	// Host and PID name the worker in queue_workers.
	Host string
	PID  int
	// Log receives River's warnings and the worker's; nil discards.
	Log *slog.Logger
	// Saved, when set, is called after each stored result.
	Saved func(j store.Job, r *audit.Result)

	// newAuditor makes a campaign's auditor; nil is loadAuditor. The
	// queue's own benchmark gives one that audits nothing.
	newAuditor func(ctx context.Context, id int64) (jobAuditor, error)
}

// jobAuditor is what a worker needs of a campaign's auditor: a
// *campaign.JobAuditor.
type jobAuditor interface {
	PerIP() int
	Retries() int
	RetryDelay() time.Duration
	WebAddress(ctx context.Context, j store.Job) (netip.Addr, error)
	Audit(ctx context.Context, j store.Job) *audit.Result
	CheckResolver(ctx context.Context) error
	CheckTruth(ctx context.Context) error
}

// StopError is returned by Work when the worker stopped by itself: its
// campaign's resolver failed (campaign.ErrResolverDown wrapped, or a
// *campaign.TruthError), or the connection of its politeness slots was
// lost. Its jobs went back to the queue for the other workers.
type StopError struct {
	Campaign int64 // 0 when not about one campaign
	Err      error
}

func (e *StopError) Error() string {
	if e.Campaign != 0 {
		return fmt.Sprintf("queue: worker stopped: campaign %d: %v", e.Campaign, e.Err)
	}
	return fmt.Sprintf("queue: worker stopped: %v", e.Err)
}

func (e *StopError) Unwrap() error { return e.Err }

// Work runs a worker until ctx is cancelled, or until it stops by
// itself (a *StopError). When ctx is cancelled it takes no new job and
// finishes the audits in flight; when hard is cancelled too (a second
// signal), it cancels them and hands their jobs back to the queue
// (snoozed at once: no attempt counted). Its row of queue_workers says
// when it stopped and why.
func (q *Queue) Work(ctx, hard context.Context, cfg WorkerConfig) error {
	cfg = workerDefaults(cfg)
	if cfg.Lease <= cfg.JobTimeout {
		return fmt.Errorf("queue: lease %v: must exceed the job timeout %v", cfg.Lease, cfg.JobTimeout)
	}
	sl, err := newSlots(ctx, q.url)
	if err != nil {
		return err
	}
	defer sl.close()
	started := time.Now().UTC()
	id := cfg.Host + "/" + strconv.Itoa(cfg.PID) + "/" + started.Format("20060102T150405.000")
	w := &auditWorker{q: q, cfg: cfg, slots: sl, auditors: map[int64]*auditorOf{}, stopped: make(chan struct{})}
	if w.cfg.newAuditor == nil {
		w.cfg.newAuditor = w.loadAuditor
	}
	if _, err := q.pool.Exec(ctx, `INSERT INTO queue_workers (id, host, pid, parallel, version, started, heartbeat)
		VALUES ($1, $2, $3, $4, $5, $6, $6)`, id, cfg.Host, cfg.PID, cfg.Parallel, cfg.Version, started); err != nil {
		return fmt.Errorf("queue: worker: %w", err)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	client, err := river.NewClient(riverpgxv5.New(q.pool), &river.Config{
		ID:                   id,
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Parallel}},
		Workers:              workers,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.Lease,
		MaxAttempts:          maxAttempts,
		Logger:               log,
	})
	if err != nil {
		return fmt.Errorf("queue: worker: %w", err)
	}
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("queue: worker: %w", err)
	}

	beat := time.NewTicker(cfg.Heartbeat)
	defer beat.Stop()
	var stopErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-w.stopped:
			stopErr = w.stopErr()
			break loop
		case <-client.Stopped():
			stopErr = errors.New("queue: worker: River's client stopped")
			break loop
		case <-beat.C:
			if err := sl.ping(ctx); err != nil {
				w.stop(0, err)
				continue
			}
			if _, err := q.pool.Exec(ctx, `UPDATE queue_workers SET heartbeat = $2, audits = $3 WHERE id = $1`,
				id, time.Now().UTC(), w.audits.Load()); err != nil && ctx.Err() == nil {
				log.Warn("heartbeat", "err", err)
			}
		}
	}
	// Finish the audits in flight; cancel them when hard is (or at
	// once when the worker stopped by itself: its resolver or its slots
	// cannot be trusted).
	soft, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-hard.Done():
		case <-w.stopped:
		case <-soft.Done():
		}
		client.StopAndCancel(context.Background())
	}()
	client.Stop(soft)
	cancel()
	<-client.Stopped()

	reason := ""
	if stopErr != nil {
		reason = stopErr.Error()
	}
	end, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	if _, err := q.pool.Exec(end, `UPDATE queue_workers SET heartbeat = $2, stopped = $2, audits = $3, reason = nullif($4, '') WHERE id = $1`,
		id, time.Now().UTC(), w.audits.Load(), reason); err != nil && stopErr == nil {
		return fmt.Errorf("queue: worker: %w", err)
	}
	return stopErr
}

func workerDefaults(cfg WorkerConfig) WorkerConfig {
	if cfg.Parallel <= 0 {
		cfg.Parallel = campaign.DefaultParallel
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = DefaultJobTimeout
	}
	if cfg.Lease <= 0 {
		cfg.Lease = cfg.JobTimeout + time.Minute
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = DefaultHeartbeat
	}
	if cfg.Snooze <= 0 {
		cfg.Snooze = DefaultSnooze
	}
	return cfg
}

// auditWorker is River's worker of the audit jobs.
type auditWorker struct {
	river.WorkerDefaults[AuditArgs]
	q     *Queue
	cfg   WorkerConfig
	slots *slots

	audits atomic.Int64 // results stored

	mu       sync.Mutex
	auditors map[int64]*auditorOf
	stopOnce sync.Once
	stopped  chan struct{}
	err      error
}

// auditorOf is the auditor of one campaign, made once, by the first of
// its jobs.
type auditorOf struct {
	once sync.Once
	a    jobAuditor
	err  error
	// truth is when the resolver last told the truth about the
	// campaign's canary.
	truthMu sync.Mutex
	truth   time.Time
}

// stop makes the worker take no more job, for the reason err.
func (w *auditWorker) stop(campaignID int64, err error) {
	w.stopOnce.Do(func() {
		w.mu.Lock()
		w.err = &StopError{Campaign: campaignID, Err: err}
		w.mu.Unlock()
		close(w.stopped)
	})
}

func (w *auditWorker) stopErr() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// errResolver marks the errors of the campaign's resolver checks.
type errResolver struct{ err error }

func (e errResolver) Error() string { return e.err.Error() }
func (e errResolver) Unwrap() error { return e.err }

// auditor returns the auditor of the campaign, made from its stored
// options with the resolver checks of campaign.NewJobAuditor.
func (w *auditWorker) auditor(ctx context.Context, id int64) (*auditorOf, error) {
	w.mu.Lock()
	a := w.auditors[id]
	if a == nil {
		a = &auditorOf{}
		w.auditors[id] = a
	}
	w.mu.Unlock()
	a.once.Do(func() {
		a.a, a.err = w.cfg.newAuditor(ctx, id)
		a.truth = time.Now()
	})
	if a.err != nil {
		var re errResolver
		if errors.As(a.err, &re) || ctx.Err() != nil {
			// Made again by the next job: another worker, or
			// this one later, may find the resolver answering.
			w.mu.Lock()
			delete(w.auditors, id)
			w.mu.Unlock()
		}
	}
	return a, a.err
}

// loadAuditor makes the auditor of a campaign from its stored options,
// with the resolver checks of campaign.NewJobAuditor (whose failures are
// errResolver).
func (w *auditWorker) loadAuditor(ctx context.Context, id int64) (jobAuditor, error) {
	_, cfg, err := campaign.Load(ctx, w.cfg.Store, id, w.cfg.Version)
	if err != nil {
		return nil, err
	}
	a, err := campaign.NewJobAuditor(ctx, cfg)
	if err != nil {
		return nil, errResolver{err}
	}
	return a, nil
}

// saveTimeout bounds the storing of one result, which goes on when the
// worker is asked to stop.
const saveTimeout = time.Minute

// truthInterval is how often a worker checks that the campaign's
// resolver tells the truth about its canary.
const truthInterval = time.Minute

// Work audits one job.
func (w *auditWorker) Work(ctx context.Context, job *river.Job[AuditArgs]) error {
	args := job.Args
	select {
	case <-w.stopped:
		return river.JobSnooze(0)
	default:
	}
	ao, err := w.auditor(ctx, args.Campaign)
	var re errResolver
	switch {
	case ctx.Err() != nil:
		return river.JobSnooze(0)
	case errors.As(err, &re):
		w.stop(args.Campaign, re.err)
		return river.JobSnooze(0)
	case errors.Is(err, store.ErrNotFound), errors.Is(err, campaign.ErrAbandoned), errors.Is(err, campaign.ErrFinished):
		return river.JobCancel(fmt.Errorf("campaign %d: %w", args.Campaign, err))
	case err != nil:
		return fmt.Errorf("campaign %d: %w", args.Campaign, err)
	}
	a := ao.a
	j := args.job(job.Attempt)

	addr, err := a.WebAddress(ctx, j)
	if err != nil && w.cfg.Log != nil {
		w.cfg.Log.Warn("no politeness slot: the web address could not be looked up", "campaign", args.Campaign, "domain", j.Domain, "err", err)
	}
	release, ok, err := w.slots.acquire(ctx, addr, a.PerIP())
	if err != nil {
		w.stop(0, err)
		return river.JobSnooze(0)
	}
	if !ok {
		return river.JobSnooze(w.cfg.Snooze)
	}
	res := a.Audit(ctx, j)
	if err := release(); err != nil {
		w.stop(0, err)
	}
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("campaign %d: %s of %s: the job timed out", args.Campaign, j.Domain, j.Org.ID)
		}
		return river.JobSnooze(0) // the worker stops: handed back
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()
	if engine.ResolverSilent(res) {
		if err := a.CheckResolver(sctx); err != nil {
			w.stop(args.Campaign, err)
			return river.JobSnooze(0)
		}
	}
	if err := w.checkTruth(sctx, ao); err != nil {
		w.stop(args.Campaign, err)
		return river.JobSnooze(0)
	}
	if engine.Transient(res) && job.Attempt <= a.Retries() {
		return fmt.Errorf("campaign %d: %s of %s: transient failure, tried again: %s", args.Campaign, j.Domain, j.Org.ID, res.Error)
	}
	if err := w.cfg.Store.SaveAudit(sctx, j, res); err != nil {
		return err
	}
	w.audits.Add(1)
	if w.cfg.Saved != nil {
		w.cfg.Saved(j, res)
	}
	w.finish(sctx, args.Campaign, job.ID)
	return nil
}

// checkTruth checks the campaign's resolver against its canary when the
// last check is older than truthInterval.
func (w *auditWorker) checkTruth(ctx context.Context, ao *auditorOf) error {
	ao.truthMu.Lock()
	defer ao.truthMu.Unlock()
	if time.Since(ao.truth) < truthInterval {
		return nil
	}
	if err := ao.a.CheckTruth(ctx); err != nil {
		return err
	}
	ao.truth = time.Now()
	return nil
}

// NextRetry spaces the retries of transient failures as a campaign run
// spaces its rounds: the campaign's RetryDelay, doubled at each attempt.
func (w *auditWorker) NextRetry(job *river.Job[AuditArgs]) time.Time {
	w.mu.Lock()
	ao := w.auditors[job.Args.Campaign]
	w.mu.Unlock()
	if ao == nil || ao.a == nil || job.Attempt > ao.a.Retries() {
		return time.Time{} // River's backoff
	}
	return time.Now().Add(ao.a.RetryDelay() << (job.Attempt - 1))
}

// tail is how many unfinished jobs a campaign has left when its workers
// start to check whether it is complete.
const tail = 64

// finish records the campaign as finished when every job has its audit:
// checked by the store's progress, only once the campaign has fewer than
// tail jobs left in the queue besides this one.
func (w *auditWorker) finish(ctx context.Context, campaignID, jobID int64) {
	var left int
	err := w.q.pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM river_job
		WHERE kind = 'audit' AND (args->>'campaign')::bigint = $1 AND id <> $2
		AND state IN ('available', 'pending', 'retryable', 'running', 'scheduled') LIMIT $3) t`,
		campaignID, jobID, tail).Scan(&left)
	if err != nil || left >= tail {
		return
	}
	done, total, err := w.cfg.Store.Progress(ctx, campaignID)
	if err != nil || done < total {
		return
	}
	if err := w.cfg.Store.FinishCampaign(ctx, campaignID, time.Now().UTC()); err != nil && w.cfg.Log != nil {
		w.cfg.Log.Warn("finish campaign", "campaign", campaignID, "err", err)
	}
}
