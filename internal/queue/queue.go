// Package queue runs the campaigns of a PostgreSQL store on several
// machines: each job of a campaign (organisation, domain) is a River job
// (github.com/riverqueue/river) of kind "audit" in the store's own
// database, and every `vigie worker`, on any machine, takes jobs, audits
// them through the campaign package (internal/campaign: the engine, the
// campaign's stored options, its resolver checks) and stores each result
// with store.SaveAudit, which keeps one audit per job whatever happens.
//
// River owns the leases and the retries: a job a worker holds is
// "running" in the database; a worker killed at any moment leaves its
// jobs running until River's rescuer (RescueStuckJobsAfter, WorkerConfig.Lease)
// makes them available again. The politeness holds across all workers
// together: a job takes one of the campaign's PerIP slots of its web
// address as a PostgreSQL advisory lock, on a connection of the worker's
// own, so that a slot is freed when its worker dies; a job that finds no
// free slot is snoozed (River's JobSnooze, which does not count as an
// attempt).
//
// It is the only package that imports River, and with the store the only
// one that talks to the database. It does not parse targets files nor
// talk to the user: the command line does (cmd/vigie).
package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"vigie.eu/vigie/internal/store"
)

// Kind is the River kind of the audit jobs. It is stored data: never
// change it.
const Kind = "audit"

// AuditArgs are the arguments of one audit job: the job of the store
// (store.Job) that it audits. The JSON names are stored data: never
// rename one.
type AuditArgs struct {
	Campaign      int64    `json:"campaign"`
	Org           string   `json:"org"`
	Name          string   `json:"name,omitempty"`
	Category      string   `json:"category,omitempty"`
	Domain        string   `json:"domain"`
	DKIMSelectors []string `json:"dkim_selectors,omitempty"`
}

// Kind implements river.JobArgs.
func (AuditArgs) Kind() string { return Kind }

// job returns the store's job of a, at its attempt.
func (a AuditArgs) job(attempt int) store.Job {
	return store.Job{CampaignID: a.Campaign, Org: store.Organisation{ID: a.Org, Name: a.Name, Category: a.Category},
		Domain: a.Domain, DKIMSelectors: a.DKIMSelectors, Attempts: attempt}
}

// maxAttempts is the River attempts of a job: the campaign's retries of
// transient failures are a few of them (the worker stores the last), the
// rest are for failures of the store, retried with River's backoff.
const maxAttempts = 25

// poolConns caps the pool of a queue: River's fetches and completions,
// the heartbeat, and the status queries (the audits go through the
// store's own pool, and the slots through a connection of their own).
const poolConns = 6

// Queue is the queue of a PostgreSQL database.
type Queue struct {
	url    string
	pool   *pgxpool.Pool
	client *river.Client[pgx.Tx] // inserts only
}

// Open connects to the PostgreSQL database at url and runs River's
// migrations and the queue's own (idempotent; concurrent processes wait
// for each other). The store's own tables (queue_workers among them) are
// migrated by store.Open.
func Open(ctx context.Context, url string) (*Queue, error) {
	q, err := Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := q.migrate(ctx); err != nil {
		q.Close()
		return nil, err
	}
	return q, nil
}

// Connect connects to the PostgreSQL database at url without migrating
// it, for the commands that only read (campaign status).
func Connect(ctx context.Context, url string) (*Queue, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	cfg.MaxConns = poolConns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("queue: %w", err)
	}
	return &Queue{url: url, pool: pool, client: client}, nil
}

// Close releases the database.
func (q *Queue) Close() { q.pool.Close() }

// migrationLock is the key of the session advisory lock that
// serialises the migrations of concurrent workers (the store's key plus
// one).
const migrationLock = 1986618726

// migrate runs River's migrations (each in a transaction of its own:
// some cannot share one), then creates the index of the audit jobs by
// campaign; one process at a time.
func (q *Queue) migrate(ctx context.Context) error {
	m, err := rivermigrate.New(riverpgxv5.New(q.pool), nil)
	if err != nil {
		return fmt.Errorf("queue: migrate: %w", err)
	}
	conn, err := q.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("queue: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		return fmt.Errorf("queue: migrate: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrationLock))
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("queue: migrate: %w", err)
	}
	// The status and the end of a campaign count its jobs by state.
	if _, err := conn.Exec(ctx, `CREATE INDEX IF NOT EXISTS vigie_audit_jobs
		ON river_job (((args->>'campaign')::bigint), state) WHERE kind = 'audit'`); err != nil {
		return fmt.Errorf("queue: migrate: %w", err)
	}
	return nil
}

// ErrSubmitted is returned by Submit when the campaign already has jobs
// in the queue.
var ErrSubmitted = errors.New("queue: the campaign's jobs are already in the queue")

// insertBatch is how many jobs one COPY inserts.
const insertBatch = 10000

// Submit inserts one audit job per job of the campaign, in one
// transaction: all of them or none. A campaign is submitted once:
// ErrSubmitted when it has jobs in the queue already.
func (q *Queue) Submit(ctx context.Context, campaignID int64, jobs []store.Job) error {
	err := pgx.BeginFunc(ctx, q.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(1986618727, $1::int4)`, int32(campaignID)); err != nil {
			return err
		}
		var queued bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM river_job
			WHERE kind = 'audit' AND (args->>'campaign')::bigint = $1)`, campaignID).Scan(&queued); err != nil {
			return err
		}
		if queued {
			return ErrSubmitted
		}
		opts := &river.InsertOpts{MaxAttempts: maxAttempts}
		for len(jobs) > 0 {
			n := min(len(jobs), insertBatch)
			params := make([]river.InsertManyParams, n)
			for i, j := range jobs[:n] {
				params[i] = river.InsertManyParams{InsertOpts: opts, Args: AuditArgs{
					Campaign: campaignID, Org: j.Org.ID, Name: j.Org.Name, Category: j.Org.Category,
					Domain: j.Domain, DKIMSelectors: j.DKIMSelectors,
				}}
			}
			if _, err := q.client.InsertManyFastTx(ctx, tx, params); err != nil {
				return err
			}
			jobs = jobs[n:]
		}
		return nil
	})
	if errors.Is(err, ErrSubmitted) {
		return fmt.Errorf("campaign %d: %w", campaignID, err)
	}
	if err != nil {
		return fmt.Errorf("queue: submit campaign %d: %w", campaignID, err)
	}
	return nil
}

// Counts are the audit jobs of a campaign in the queue, by state.
type Counts struct {
	// Jobs is every job of the campaign in the queue; 0 when it was
	// not submitted (run in one process).
	Jobs int
	// Pending are waiting for a worker (available, scheduled: retried
	// or snoozed), Running held by one, Completed done, Failed given up
	// (discarded after every attempt, or cancelled).
	Pending, Running, Completed, Failed int
}

// Counts counts the audit jobs of the campaign by state.
func (q *Queue) Counts(ctx context.Context, campaignID int64) (Counts, error) {
	rows, err := q.pool.Query(ctx, `SELECT state::text, count(*) FROM river_job
		WHERE kind = 'audit' AND (args->>'campaign')::bigint = $1 GROUP BY state`, campaignID)
	if undefinedTable(err) {
		return Counts{}, nil // no campaign was ever submitted
	}
	if err != nil {
		return Counts{}, fmt.Errorf("queue: jobs of campaign %d: %w", campaignID, err)
	}
	var c Counts
	var state string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&state, &n}, func() error {
		c.Jobs += n
		switch state {
		case "running":
			c.Running += n
		case "completed":
			c.Completed += n
		case "discarded", "cancelled":
			c.Failed += n
		default: // available, pending, retryable, scheduled
			c.Pending += n
		}
		return nil
	})
	if undefinedTable(err) {
		return Counts{}, nil
	}
	if err != nil {
		return Counts{}, fmt.Errorf("queue: jobs of campaign %d: %w", campaignID, err)
	}
	return c, nil
}

// WorkerInfo is one worker as its row in queue_workers says.
type WorkerInfo struct {
	ID        string
	Host      string
	PID       int
	Parallel  int
	Version   string
	Started   time.Time
	Heartbeat time.Time
	// Audits is how many audits it stored.
	Audits int64
	// Stopped is when it stopped, zero while it runs (or when it was
	// killed: its heartbeat then ages); Reason why, "" for a plain stop.
	Stopped time.Time
	Reason  string
}

// maxWorkers bounds the workers Workers lists.
const maxWorkers = 200

// Workers lists the workers seen, the latest heartbeat first.
func (q *Queue) Workers(ctx context.Context) ([]WorkerInfo, error) {
	rows, err := q.pool.Query(ctx, `SELECT id, host, pid, parallel, version, started, heartbeat, audits,
		coalesce(stopped, 'epoch'::timestamptz), coalesce(reason, '')
		FROM queue_workers ORDER BY heartbeat DESC, id LIMIT $1`, maxWorkers)
	if err != nil {
		return nil, fmt.Errorf("queue: workers: %w", err)
	}
	out := []WorkerInfo{}
	var w WorkerInfo
	_, err = pgx.ForEachRow(rows, []any{&w.ID, &w.Host, &w.PID, &w.Parallel, &w.Version, &w.Started, &w.Heartbeat, &w.Audits, &w.Stopped, &w.Reason}, func() error {
		x := w
		x.Started, x.Heartbeat = x.Started.UTC(), x.Heartbeat.UTC()
		if x.Stopped.Unix() == 0 {
			x.Stopped = time.Time{}
		} else {
			x.Stopped = x.Stopped.UTC()
		}
		out = append(out, x)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("queue: workers: %w", err)
	}
	return out, nil
}

// undefinedTable reports whether err is PostgreSQL's undefined_table: a
// database where no campaign was ever submitted has no River tables.
func undefinedTable(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "42P01"
}
