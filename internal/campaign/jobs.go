package campaign

import (
	"context"
	"net/netip"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/store"
	"vigie.eu/vigie/internal/target"
)

// A JobAuditor audits the jobs of one campaign one at a time, as the
// workers of a queue (internal/queue) take them, with the same engine
// configuration, host cache and resolver checks as Run. It neither
// stores nor schedules: the queue does, and keeps the politeness across
// its workers. Its methods are safe for concurrent use.
type JobAuditor struct {
	r *runner
}

// NewJobAuditor checks the campaign's resolver (it must answer, and when
// cfg.Canary is set tell the truth about the canary: the errors are those
// of Run, ErrResolverDown wrapped and *TruthError) and returns the auditor
// of the campaign's jobs.
func NewJobAuditor(ctx context.Context, cfg Config) (*JobAuditor, error) {
	cfg = withDefaults(cfg)
	r, err := start(ctx, nil, 0, cfg, nil, true)
	if err != nil {
		return nil, err
	}
	return &JobAuditor{r: r}, nil
}

// PerIP is how many audits of the campaign may run at once against one
// web address, all workers together.
func (a *JobAuditor) PerIP() int { return a.r.cfg.PerIP }

// Retries is how many times a transient failure is audited again, and
// RetryDelay the wait before the first retry (doubled before each next).
func (a *JobAuditor) Retries() int { return a.r.cfg.Retries }

// RetryDelay is the wait before the first retry of a transient failure.
func (a *JobAuditor) RetryDelay() time.Duration { return a.r.cfg.RetryDelay }

// WebAddress returns the address that keys the politeness slot of the
// job's domain, as Run chooses it (the domain's first address, IPv4
// first, else www's), or the zero Addr when it has none or is not a
// valid domain. err says why the lookups failed, when they failed
// rather than found no address, after asking again: the audit then takes
// no slot, and the caller should say so.
func (a *JobAuditor) WebAddress(ctx context.Context, j store.Job) (netip.Addr, error) {
	t, err := target.Parse(j.Domain)
	if err != nil {
		return netip.Addr{}, nil
	}
	return a.r.webAddress(ctx, t.Domain)
}

// Audit audits the job and returns its result; a domain that is not
// valid gives a result with its Error, as in Run.
func (a *JobAuditor) Audit(ctx context.Context, j store.Job) *audit.Result {
	t, err := target.Parse(j.Domain)
	if err != nil {
		return &audit.Result{Domain: j.Domain, Input: j.Domain, Time: time.Now().UTC(), Version: a.r.engine.Version,
			Findings: []audit.Finding{}, Error: err.Error()}
	}
	return engine.Audit(ctx, a.r.jobEngine(j), t)
}

// CheckResolver asks the resolver about the root, as Run does before
// storing an audit that saw no DNS answer at all (engine.ResolverSilent):
// ErrResolverDown, wrapped, when it does not answer.
func (a *JobAuditor) CheckResolver(ctx context.Context) error {
	if err := a.r.hosts.CheckResolver(ctx); err != nil {
		return resolverDown(a.r.cfg.Engine.Resolver, err)
	}
	return nil
}

// CheckTruth checks that the resolver tells the truth about the
// campaign's canary (nil when the campaign has none).
func (a *JobAuditor) CheckTruth(ctx context.Context) error {
	if a.r.cfg.Canary == "" {
		return nil
	}
	return checkTruth(ctx, a.r.hosts, a.r.cfg.Engine.Resolver, a.r.cfg.Canary)
}
