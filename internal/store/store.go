// Package store keeps campaigns and their audits in a database: SQLite by
// default (one file, pure Go, no set-up) or PostgreSQL when given a
// postgres:// URL. It is the only code in vigie that touches a database.
//
// Both backends implement the same [Store] contract, checked by one
// conformance suite (package storetest), and share the same versioned
// migrations, applied in order at [Open].
//
// The central guarantee is exactly once: a job (campaign, organisation,
// domain) has at most one stored audit, and an audit is durable when
// [Store.SaveAudit] returns, so a campaign killed at any moment (even with
// SIGKILL) resumes with [Store.PendingJobs] and ends with every job audited
// exactly once.
package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"vigie.eu/vigie/internal/audit"
)

// Organisation is one audited body.
type Organisation struct {
	ID       string   // SIREN, INSEE code...; for a plain domain list, the domain itself
	Name     string   // display name; may be empty
	Category string   // commune, département, région, hôpital, ministère, établissement public, "" if unknown
	Domains  []string // normalised A-labels, at least one
	// Selectors are DKIM selectors given for one domain (a key of the
	// map, one of Domains), looked up besides the campaign's own; nil
	// for none. CreateCampaign stores them with the domain's job.
	Selectors map[string][]string
}

// Campaign is one run over a list of organisations.
type Campaign struct {
	ID       int64
	Name     string
	Created  time.Time
	Finished time.Time // zero while running
	// Options are what the campaign runs with, so that a resume audits
	// the rest the same way; nil for none.
	Options *CampaignOptions
	Total   int // number of jobs (organisation, domain)
	// Abandoned is when the campaign was abandoned; zero if it was not.
	Abandoned time.Time
	// Unpublished, given to CreateCampaign, keeps the campaign from the
	// public until it is published (Publishing.SetPublished); the
	// command line's campaigns are published from the start, the
	// site's are not. Campaign does not read it back (Published does).
	Unpublished bool
}

// CampaignSummary is a campaign as ListCampaigns gives it: without its
// options, with its progress.
type CampaignSummary struct {
	ID       int64
	Name     string
	Created  time.Time
	Finished time.Time // zero while unfinished
	Status   string    // StatusFinished, StatusUnfinished or StatusAbandoned
	Done     int       // jobs with a stored audit
	Total    int       // jobs
}

// Statuses of a campaign (CampaignSummary.Status). They are published
// values (the JSON API, exports): append-only.
const (
	// StatusUnfinished: jobs are left, or the campaign was not recorded
	// as finished (running, interrupted, killed).
	StatusUnfinished = "unfinished"
	// StatusFinished: the campaign was recorded as finished
	// (FinishCampaign).
	StatusFinished = "finished"
	// StatusAbandoned: the campaign was abandoned (AbandonCampaign):
	// it is not resumed, and comparisons leave it out.
	StatusAbandoned = "abandoned"
)

// Job is one (organisation, domain) audit of a campaign.
type Job struct {
	CampaignID int64
	Org        Organisation
	Domain     string
	// DKIMSelectors are the selectors given for this domain by the
	// targets file (Organisation.Selectors), nil for none.
	DKIMSelectors []string
	// Attempts is how many audits of the job it took to get the result
	// SaveAudit stores (transient failures retried); 0 counts as 1.
	Attempts int
}

// AuditRecord is one stored audit, as the exports and history read it.
type AuditRecord struct {
	// ID is the audit's row in the store, to name a row that cannot be
	// read.
	ID         int64
	CampaignID int64
	// Org is the organisation as the audit's campaign recorded it.
	Org    Organisation
	Domain string
	Time   time.Time
	Grade  string        // "" when no score
	Points int           // 0 when no score
	Result *audit.Result // full result with observations, findings, score
	// Digest is the audit's digest, set by CampaignDigests (which
	// leaves Result nil) and nil otherwise.
	Digest *Digest
	// Attempts is how many audits of the job it took (Job.Attempts),
	// counting those that vigie campaign retry replaced.
	Attempts int
	// Unreadable says why the row could not be read (a result larger
	// than the read limit, corrupt or refused by the decoder, a column
	// of the wrong type); Result is then nil and the other fields hold
	// what could be read. The streaming methods hand such a row to
	// their callback like any other and go on with the next: one bad
	// row does not stop an export or a comparison.
	Unreadable string
}

// Store is a database of campaigns and audits. Its methods are safe for
// concurrent use.
type Store interface {
	// CreateCampaign stores the campaign and all its jobs in one
	// transaction; returns its ID. Each organisation is recorded as this
	// campaign gives it (name, category, domains): the audits of the
	// campaign are read back with it, whatever later campaigns say of
	// the same ID. Created defaults to now when zero. A domain
	// listed twice for one organisation makes one job.
	CreateCampaign(ctx context.Context, c *Campaign, orgs []Organisation) (int64, error)
	// Campaign returns the campaign with this ID; ErrNotFound if none.
	Campaign(ctx context.Context, id int64) (*Campaign, error)
	// LatestCampaign returns the most recent campaign (for `campaign
	// resume --db` without an id); ErrNotFound if none.
	LatestCampaign(ctx context.Context) (*Campaign, error)
	// ListCampaigns returns the campaigns with an ID below before (all
	// of them when before is 0), newest (highest ID) first, at most
	// limit of them (no bound when limit is 0 or less), with their
	// progress. An empty store gives an empty slice, not an error.
	ListCampaigns(ctx context.Context, before int64, limit int) ([]CampaignSummary, error)
	// PendingJobs calls fn for each job of the campaign that has no
	// stored audit yet, in a stable order (organisation ID, then
	// domain). Streams, does not load all: jobs are read by pages, and no
	// query is open while fn runs, so fn may call the store (SaveAudit
	// included). An error from fn stops the iteration and is returned.
	PendingJobs(ctx context.Context, campaignID int64, fn func(Job) error) error
	// SaveAudit stores the result of one job; saving a job twice keeps
	// the first and returns nil (exactly once: a unique key on campaign,
	// organisation, domain). The audit is durable when SaveAudit returns.
	// Saving a job that is not part of the campaign is an error. A
	// result whose encoding exceeds the store's cap is trimmed first
	// (audit.Trim), so that whatever is saved can be read back.
	SaveAudit(ctx context.Context, j Job, r *audit.Result) error
	// Progress returns how many jobs are done and in total;
	// ErrNotFound if the campaign does not exist.
	Progress(ctx context.Context, campaignID int64) (done, total int, err error)
	// FinishCampaign records when the campaign ended; ErrNotFound if it
	// does not exist.
	FinishCampaign(ctx context.Context, campaignID int64, at time.Time) error
	// LatestAudits calls fn with the most recent audit of every
	// (organisation, domain) over all campaigns, ordered by organisation
	// ID then domain. Streams. "Most recent" is the latest audit time
	// (Result.Time), ties going to the latest campaign.
	LatestAudits(ctx context.Context, fn func(AuditRecord) error) error
	// CampaignAudits calls fn with every stored audit of the campaign,
	// with its result, ordered by organisation ID then domain. Streams,
	// like LatestAudits. ErrNotFound if the campaign does not exist.
	CampaignAudits(ctx context.Context, campaignID int64, fn func(AuditRecord) error) error
	// CampaignDigests is CampaignAudits with each audit's Digest
	// instead of its Result, for what reads a whole campaign without
	// needing its observations: a few hundred bytes per audit.
	CampaignDigests(ctx context.Context, campaignID int64, fn func(AuditRecord) error) error
	// CampaignOrganisations calls fn with each organisation of the
	// campaign as the campaign recorded it (Selectors nil), ordered by
	// ID. ErrNotFound if the campaign does not exist.
	CampaignOrganisations(ctx context.Context, campaignID int64, fn func(Organisation) error) error
	// History returns every stored audit of a domain, oldest first, with
	// Result nil unless full is true. An unknown domain gives an empty
	// slice, not an error.
	History(ctx context.Context, domain string, full bool) ([]AuditRecord, error)
	// Lock takes the campaign's lease, so that one process at a time
	// runs it: a *LockedError when another holds it. The lease lasts
	// until Release, or, if the holder dies, until it expires (SQLite:
	// a heartbeat renews it; PostgreSQL: an advisory lock on a
	// connection of its own, freed when the holder's connection ends).
	// ErrNotFound if the campaign does not exist.
	Lock(ctx context.Context, campaignID int64) (Lease, error)
	// AbandonCampaign records that the campaign is abandoned (status
	// StatusAbandoned); its audits are kept. ErrNotFound if none.
	AbandonCampaign(ctx context.Context, campaignID int64, at time.Time) error
	// DeleteCampaign deletes the campaign, its jobs, its audits and the
	// audits its retries replaced, in one transaction; the
	// organisations stay. ErrNotFound if none.
	DeleteCampaign(ctx context.Context, campaignID int64) error
	// ReplaceAudit stores r as the new audit of a job that has one
	// (vigie campaign retry): the previous audit is kept, as it was, in
	// the table of replaced audits (audit_retries), and the new one
	// counts its attempts after the previous ones. Saving a job that
	// has no audit yet is SaveAudit.
	ReplaceAudit(ctx context.Context, j Job, r *audit.Result) error
	// Organisations calls fn with the latest known record of every
	// organisation (as the newest campaign that listed it gave it;
	// Selectors nil), ordered by ID. Streams, a page at a time: no
	// query is open while fn runs.
	Organisations(ctx context.Context, fn func(Organisation) error) error
	// OrganisationAudits returns every stored audit of the organisation,
	// all its domains, oldest first (audit time, then campaign, then
	// domain), with Result nil. An unknown organisation gives an empty
	// slice, not an error.
	OrganisationAudits(ctx context.Context, orgID string) ([]AuditRecord, error)
	// Audit returns the stored audit with this ID (AuditRecord.ID), with
	// its result (or Unreadable); ErrNotFound if none.
	Audit(ctx context.Context, id int64) (AuditRecord, error)
	// ShiftCampaign moves the times of the campaign (created, finished,
	// abandoned) and of its audits (their audit time, not the time
	// inside their stored results) by the given duration: to date a
	// demonstration's or a test's campaign as if it had run then.
	// ErrNotFound if the campaign does not exist.
	ShiftCampaign(ctx context.Context, campaignID int64, by time.Duration) error
	// SaveOnDemand stores an on-demand audit (see OnDemandAudit) and
	// returns its ID, its permalink. The result is trimmed to the
	// store's cap as SaveAudit trims it.
	SaveOnDemand(ctx context.Context, r *audit.Result) (int64, error)
	// OnDemand returns the on-demand audit with this ID, with its
	// result (or Unreadable); ErrNotFound if none.
	OnDemand(ctx context.Context, id int64) (OnDemandAudit, error)
	// LatestOnDemand returns the newest on-demand audit of domain whose
	// audit time is at or after since (the cool-down of vigie serve
	// --on-demand); ErrNotFound if none. A database whose schema
	// predates on-demand audits has none.
	LatestOnDemand(ctx context.Context, domain string, since time.Time) (OnDemandAudit, error)
	// Close releases the database.
	Close() error
}

// ErrNotFound is returned (wrapped or as is) when the campaign asked for
// does not exist.
var ErrNotFound = errors.New("store: not found")

// IsPostgres reports whether dsn names a PostgreSQL database (a
// postgres:// or postgresql:// URL) rather than a SQLite file.
func IsPostgres(dsn string) bool {
	l := strings.ToLower(dsn)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// Open opens (and migrates) the store named by dsn: a file path (SQLite,
// created if absent) or a postgres:// / postgresql:// URL.
func Open(ctx context.Context, dsn string) (Store, error) {
	if dsn == "" {
		return nil, errors.New("store: empty database name: give a file path or a postgres:// URL")
	}
	if IsPostgres(dsn) {
		return OpenPostgres(ctx, dsn)
	}
	return OpenSQLite(ctx, dsn)
}
