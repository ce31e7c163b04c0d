package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"vigie.eu/vigie/internal/audit"
)

// OnDemandAudit is one audit asked for from the observatory's public page
// (vigie serve --on-demand). It belongs to no campaign and no
// organisation: the campaigns, their statistics, the history of a domain
// and the exports never count it.
type OnDemandAudit struct {
	// ID is the audit's row, its permalink.
	ID     int64
	Domain string
	Time   time.Time // the audit's time (Result.Time)
	Grade  string    // "" when no score
	Points int       // 0 when no score
	Result *audit.Result
	// Unreadable says why the stored result could not be read; Result
	// is then nil.
	Unreadable string
}

func (s *sqlStore) SaveOnDemand(ctx context.Context, r *audit.Result) (int64, error) {
	if r == nil || r.Domain == "" {
		return 0, errors.New("store: save on-demand audit: no result or no domain")
	}
	blob, err := encodeResult(r)
	if err != nil {
		return 0, err
	}
	at, grade, points := resultColumns(r)
	var id int64
	err = s.w.QueryRowContext(ctx, s.q(`INSERT INTO ondemand_audits (domain, audited_at, grade, points, result)
		VALUES (?, ?, ?, ?, ?) RETURNING id`), r.Domain, s.d.timeArg(dbTimeOf(at)), grade, points, blob).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: save on-demand audit of %s: %w", r.Domain, err)
	}
	return id, nil
}

func (s *sqlStore) OnDemand(ctx context.Context, id int64) (OnDemandAudit, error) {
	return s.oneOnDemand(ctx, fmt.Sprintf("on-demand audit %d", id),
		`SELECT id, domain, audited_at, grade, points, result FROM ondemand_audits WHERE id = ?`, id)
}

func (s *sqlStore) LatestOnDemand(ctx context.Context, domain string, since time.Time) (OnDemandAudit, error) {
	return s.oneOnDemand(ctx, "latest on-demand audit of "+domain,
		`SELECT id, domain, audited_at, grade, points, result FROM ondemand_audits
		WHERE domain = ? AND audited_at >= ? ORDER BY audited_at DESC, id DESC LIMIT 1`,
		domain, s.d.timeArg(dbTimeOf(since)))
}

// oneOnDemand reads the on-demand audit query selects. A database whose
// schema predates on-demand audits (opened read-only, not migrated) has
// none: ErrNotFound.
func (s *sqlStore) oneOnDemand(ctx context.Context, what, query string, args ...any) (OnDemandAudit, error) {
	var (
		a      OnDemandAudit
		at     dbTime
		grade  sql.NullString
		points sql.NullInt64
		blob   []byte
	)
	err := s.r.QueryRowContext(ctx, s.q(query), args...).Scan(&a.ID, &a.Domain, &at, &grade, &points, &blob)
	switch {
	case errors.Is(err, sql.ErrNoRows) || err != nil && isNoTable(err):
		return a, fmt.Errorf("store: %s: %w", what, ErrNotFound)
	case err != nil:
		return a, fmt.Errorf("store: %s: %w", what, err)
	}
	a.Time, a.Grade, a.Points = at.t, grade.String, int(points.Int64)
	r, err := decodeResult(blob)
	if err != nil {
		a.Unreadable = err.Error()
		return a, nil
	}
	a.Result = r
	return a, nil
}
