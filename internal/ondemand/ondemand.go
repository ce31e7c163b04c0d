// Package ondemand runs the audits that visitors of the public
// observatory ask for (vigie serve --on-demand): an in-process queue with
// a global concurrency limit and a bounded length, a per-client rate
// limit, a per-domain cool-down, a time budget per audit, and requests
// followed by an unguessable token.
//
// It does not audit by itself: it calls an Auditor (the engine, through
// the address guard, as "vigie audit" does) and stores what it returns
// through a Store. It does not speak HTTP either: internal/web turns its
// answers into pages and JSON. What a public result must not tell (the
// operator's resolver, trust anchor, roots and allowed ranges) is taken
// out of it before it is stored (see Public).
package ondemand

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/store"
	"vigie.eu/vigie/internal/target"
)

// Auditor audits one target and returns its result, never nil. ctx
// carries the audit's time budget.
type Auditor func(ctx context.Context, t target.Target) *audit.Result

// Store is what the queue needs of the store: to save an audit and to
// find a domain's recent one (the cool-down). store.Store has both.
type Store interface {
	SaveOnDemand(ctx context.Context, r *audit.Result) (int64, error)
	LatestOnDemand(ctx context.Context, domain string, since time.Time) (store.OnDemandAudit, error)
}

// Config are the limits of a Queue. Zero values take the defaults below.
type Config struct {
	// Parallel is how many audits run at once (DefaultParallel).
	Parallel int
	// Queue is how many requests may wait for a free slot
	// (DefaultQueue); beyond it, Submit answers ErrBusy.
	Queue int
	// Cooldown is how long an audit of a domain answers the requests
	// for that domain instead of a new audit (DefaultCooldown).
	Cooldown time.Duration
	// Rate is how many requests a client may make per RateWindow
	// (DefaultRate), in a burst or spread out; RateWindow is an hour
	// when zero.
	Rate       int
	RateWindow time.Duration
	// Timeout is each audit's time budget (DefaultTimeout).
	Timeout time.Duration
	// Policy is the address policy: the names it refuses
	// (special-use names) are refused at once. nil refuses every
	// address outside the public internet.
	Policy *guard.Policy
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Log receives the errors of the store; slog.Default when nil.
	Log *slog.Logger
}

// Defaults of Config.
const (
	DefaultParallel = 2
	DefaultQueue    = 20
	DefaultCooldown = 10 * time.Minute
	DefaultRate     = 10
	DefaultTimeout  = 30 * time.Second
)

// State is where a request stands. Its values are published (JSON API):
// append-only.
type State string

// States of a request.
const (
	Queued  State = "queued"  // waiting for a free slot; Position says where
	Running State = "running" // being audited
	Done    State = "done"    // audited: AuditID is its permalink
	Refused State = "refused" // the address guard refused every address: Refusals say which and why
	Failed  State = "failed"  // the audit could not run: Reason says why
)

// Status is what a request's token shows.
type Status struct {
	Token  string
	Domain string
	State  State
	// Position is the request's place in the queue (1: next) while it
	// is Queued, 0 otherwise.
	Position int
	// AuditID is the stored audit, when Done.
	AuditID int64
	// Earlier says that AuditID is an audit made before the request,
	// less than the cool-down ago, rather than a new one.
	Earlier bool
	// Refusals are the connections the address guard refused, when
	// Refused.
	Refusals []audit.Refusal
	// Reason says why the request was refused or failed.
	Reason audit.Text
	// Asked is when the request was made.
	Asked time.Time
}

// Errors of Submit, wrapped in a *RequestError.
var (
	// ErrInvalid: the name cannot be audited (not a domain, a public
	// suffix, a special-use name).
	ErrInvalid = errors.New("ondemand: not a domain that can be audited")
	// ErrRateLimited: the client made too many requests lately.
	ErrRateLimited = errors.New("ondemand: too many requests from this client")
	// ErrBusy: the queue is full.
	ErrBusy = errors.New("ondemand: busy")
)

// RequestError is why Submit did not take a request: Err is one of the
// errors above, Why says it to the user, RetryAfter when to try again
// (for ErrRateLimited and ErrBusy).
type RequestError struct {
	Err        error
	Why        audit.Text
	RetryAfter time.Duration
}

func (e *RequestError) Error() string { return e.Err.Error() + ": " + e.Why.EN }
func (e *RequestError) Unwrap() error { return e.Err }

// request is one request, from Submit until it is forgotten.
type request struct {
	st   Status
	t    target.Target
	seq  int64 // order of entry in the queue
	done time.Time
}

// Queue takes audit requests and runs them. Its methods are safe for
// concurrent use. Create it with New, start its workers with Start.
type Queue struct {
	cfg   Config
	st    Store
	audit Auditor
	work  chan *request

	mu       sync.Mutex
	byToken  map[string]*request
	active   map[string]*request // by domain, queued or running
	recent   map[string]*request // by domain, refused or failed lately
	finished []*request          // oldest first, for forgetting
	enqueued int64
	taken    int64
	clients  map[clientKey]*bucket
}

// maxFinished bounds the finished requests a Queue remembers; keep is
// how long it remembers one (at least the cool-down).
const (
	maxFinished = 10000
	keep        = time.Hour
)

// New returns a queue of audits run by a, saved to st.
func New(cfg Config, st Store, a Auditor) *Queue {
	if cfg.Parallel <= 0 {
		cfg.Parallel = DefaultParallel
	}
	if cfg.Queue <= 0 {
		cfg.Queue = DefaultQueue
	}
	if cfg.Cooldown < 0 {
		cfg.Cooldown = 0
	} else if cfg.Cooldown == 0 {
		cfg.Cooldown = DefaultCooldown
	}
	if cfg.Rate <= 0 {
		cfg.Rate = DefaultRate
	}
	if cfg.RateWindow <= 0 {
		cfg.RateWindow = time.Hour
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Queue{cfg: cfg, st: st, audit: a, work: make(chan *request, cfg.Queue),
		byToken: map[string]*request{}, active: map[string]*request{}, recent: map[string]*request{},
		clients: map[clientKey]*bucket{}}
}

// Config returns the queue's limits, defaults filled in.
func (q *Queue) Config() Config { return q.cfg }

// Start starts the workers, which run until ctx ends; the function it
// returns waits for them. Requests still queued then stay queued.
func (q *Queue) Start(ctx context.Context) (wait func()) {
	var wg sync.WaitGroup
	for range q.cfg.Parallel {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case r := <-q.work:
					q.run(ctx, r)
				}
			}
		})
	}
	return wg.Wait
}

// Submit asks for an audit of domain on behalf of client (its address).
// It answers at once: the request's status (queued, or done already
// when the domain was audited less than the cool-down ago, or the
// status of the same domain's request in flight), or a *RequestError.
func (q *Queue) Submit(ctx context.Context, client netip.Addr, domain string) (Status, error) {
	t, err := target.Parse(domain)
	if err != nil {
		return Status{}, &RequestError{Err: ErrInvalid, Why: targetText(err)}
	}
	if err := q.cfg.Policy.CheckName(t.Domain); err != nil {
		return Status{}, &RequestError{Err: ErrInvalid, Why: audit.Text{
			FR: "« " + t.Domain + " » est un nom à usage spécial, hors de l'internet public : il n'est pas audité.",
			EN: "\"" + t.Domain + "\" is a special-use name, not on the public internet: it is not audited."}}
	}
	now := q.cfg.Now()
	q.mu.Lock()
	q.forget(now)
	if wait, ok := q.allow(client, now); !ok {
		q.mu.Unlock()
		return Status{}, &RequestError{Err: ErrRateLimited, RetryAfter: wait, Why: audit.Text{
			FR: fmt.Sprintf("Trop de demandes depuis votre adresse : au plus %d par %s. Réessayez dans %s.", q.cfg.Rate, window(q.cfg.RateWindow).FR, readable(wait)),
			EN: fmt.Sprintf("Too many requests from your address: at most %d per %s. Try again in %s.", q.cfg.Rate, window(q.cfg.RateWindow).EN, readable(wait))}}
	}
	if r, ok := q.active[t.Domain]; ok {
		st := q.status(r)
		q.mu.Unlock()
		return st, nil
	}
	if r, ok := q.recent[t.Domain]; ok && now.Sub(r.done) < q.cfg.Cooldown {
		st := q.status(r)
		q.mu.Unlock()
		return st, nil
	}
	q.mu.Unlock()

	// The cool-down: an audit of the domain stored lately answers.
	a, err := q.st.LatestOnDemand(ctx, t.Domain, now.Add(-q.cfg.Cooldown))
	switch {
	case err == nil:
		r := &request{t: t, st: Status{Domain: t.Domain, State: Done, AuditID: a.ID, Earlier: true, Asked: now}}
		q.mu.Lock()
		defer q.mu.Unlock()
		q.track(r, now)
		q.finish(r, now)
		return q.status(r), nil
	case !errors.Is(err, store.ErrNotFound):
		q.cfg.Log.Error("ondemand: cool-down", "domain", t.Domain, "err", err)
	}

	q.mu.Lock()
	defer q.mu.Unlock()
	if r, ok := q.active[t.Domain]; ok {
		// Asked meanwhile.
		return q.status(r), nil
	}
	r := &request{t: t, st: Status{Domain: t.Domain, State: Queued, Asked: now}, seq: q.enqueued + 1}
	select {
	case q.work <- r:
	default:
		wait := q.cfg.Timeout
		return Status{}, &RequestError{Err: ErrBusy, RetryAfter: wait, Why: audit.Text{
			FR: fmt.Sprintf("Le service est occupé : %d audits attendent déjà. Réessayez dans %s.", q.cfg.Queue, readable(wait)),
			EN: fmt.Sprintf("The service is busy: %d audits are waiting already. Try again in %s.", q.cfg.Queue, readable(wait))}}
	}
	q.enqueued++
	q.track(r, now)
	q.active[t.Domain] = r
	return q.status(r), nil
}

// Status returns the status of the request with this token; false for
// a token unknown or forgotten.
func (q *Queue) Status(token string) (Status, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	r, ok := q.byToken[token]
	if !ok {
		return Status{}, false
	}
	return q.status(r), true
}

// Waiting returns how many requests wait for a slot.
func (q *Queue) Waiting() int { return len(q.work) }

// status is r's status now; q.mu is held.
func (q *Queue) status(r *request) Status {
	st := r.st
	st.Refusals = append([]audit.Refusal(nil), st.Refusals...)
	if st.State == Queued {
		st.Position = int(r.seq - q.taken)
	}
	return st
}

// track gives r its token; q.mu is held.
func (q *Queue) track(r *request, now time.Time) {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	r.st.Token = hex.EncodeToString(b[:])
	r.st.Asked = now
	q.byToken[r.st.Token] = r
}

// finish records that r is over; q.mu is held.
func (q *Queue) finish(r *request, now time.Time) {
	r.done = now
	if q.active[r.t.Domain] == r {
		delete(q.active, r.t.Domain)
	}
	if r.st.State == Refused || r.st.State == Failed {
		q.recent[r.t.Domain] = r
	}
	q.finished = append(q.finished, r)
}

// forget drops the finished requests older than keep, and the oldest
// beyond maxFinished; q.mu is held.
func (q *Queue) forget(now time.Time) {
	n := 0
	for n < len(q.finished) && (now.Sub(q.finished[n].done) > max(keep, q.cfg.Cooldown) || len(q.finished)-n > maxFinished) {
		r := q.finished[n]
		delete(q.byToken, r.st.Token)
		if q.recent[r.t.Domain] == r {
			delete(q.recent, r.t.Domain)
		}
		q.finished[n] = nil
		n++
	}
	q.finished = q.finished[n:]
}

// run audits r.
func (q *Queue) run(ctx context.Context, r *request) {
	q.mu.Lock()
	q.taken++
	r.st.State = Running
	q.mu.Unlock()

	actx, cancel := context.WithTimeout(ctx, q.cfg.Timeout)
	res := q.audit(actx, r.t)
	cancel()
	st := judge(res)
	if st.State == Done {
		Public(res)
		id, err := q.st.SaveOnDemand(ctx, res)
		if err != nil {
			q.cfg.Log.Error("ondemand: save", "domain", r.t.Domain, "err", err)
			st = Status{State: Failed, Reason: audit.Text{
				FR: "L'audit a eu lieu mais n'a pas pu être enregistré ; l'erreur est consignée dans le journal du serveur.",
				EN: "The audit ran but could not be saved; the error is in the server's log."}}
		}
		st.AuditID = id
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	r.st.State, r.st.AuditID, r.st.Refusals, r.st.Reason = st.State, st.AuditID, st.Refusals, st.Reason
	q.finish(r, q.cfg.Now())
}

// judge says what becomes of an audit's result: Done (to store),
// Refused when the address guard refused every connection and none was
// opened, Failed when the audit could not run.
func judge(res *audit.Result) Status {
	if res == nil {
		return Status{State: Failed, Reason: audit.Text{FR: "L'audit n'a rien rendu.", EN: "The audit returned nothing."}}
	}
	if o := res.Observations; o != nil && len(o.Connections) == 0 && len(o.Refused) > 0 {
		return Status{State: Refused, Refusals: append([]audit.Refusal(nil), o.Refused...), Reason: audit.Text{
			FR: "Le domaine ne mène qu'à des adresses hors de l'internet public : vigie ne s'y connecte pas.",
			EN: "The domain leads only to addresses outside the public internet: vigie does not connect to them."}}
	}
	if res.Error != "" {
		why := audit.Text{FR: res.Error, EN: res.Error}
		if m := res.ErrorMessage; m != nil && m.Known() {
			why = audit.Text{FR: m.Render("fr"), EN: m.Render("en")}
		}
		return Status{State: Failed, Reason: why}
	}
	return Status{State: Done}
}
