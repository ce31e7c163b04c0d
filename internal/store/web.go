package store

import (
	"context"
	"fmt"
	"time"
)

// The read methods the web observatory needs besides those of the
// campaigns and exports: the organisations as last known, the audits of
// one organisation, one audit by its ID.

// orgsPage is how many organisations Organisations reads per query.
const orgsPage = 1024

func (s *sqlStore) Organisations(ctx context.Context, fn func(Organisation) error) error {
	query := s.q(`SELECT id, name, category, domains FROM organisations WHERE id > ? ORDER BY id LIMIT ?`)
	if s.filtered(ctx) {
		// The public knows an organisation as the newest published
		// campaign that lists it recorded it.
		query = s.q(`SELECT o.org_id, o.name, o.category, o.domains FROM campaign_organisations o
			WHERE o.org_id > ? AND o.campaign_id = (SELECT max(p.campaign_id) FROM campaign_organisations p
				WHERE p.org_id = o.org_id AND p.campaign_id IN ` + publishedIDs + `)
			ORDER BY o.org_id LIMIT ?`)
	}
	return s.pageOrganisations(ctx, "organisations", query, nil, orgsPage, fn)
}

// pageOrganisations calls fn with the organisations query gives, a page
// of size at a time: query selects (id, name, category, domains) with
// args, then takes the last ID and the page size as its last two
// arguments. No query is open while fn runs. what names the
// organisations in errors.
func (s *sqlStore) pageOrganisations(ctx context.Context, what, query string, args []any, size int, fn func(Organisation) error) error {
	last := ""
	page := make([]Organisation, 0, size)
	for {
		page = page[:0]
		rows, err := s.r.QueryContext(ctx, query, append(append([]any{}, args...), last, size)...)
		if err != nil {
			return fmt.Errorf("store: %s: %w", what, err)
		}
		for rows.Next() {
			var (
				o       Organisation
				domains string
			)
			if err := rows.Scan(&o.ID, &o.Name, &o.Category, &domains); err != nil {
				rows.Close()
				return fmt.Errorf("store: %s: %w", what, err)
			}
			if err := scanOrgDomains(&o, domains); err != nil {
				rows.Close()
				return err
			}
			page = append(page, o)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("store: %s: %w", what, err)
		}
		for _, o := range page {
			if err := fn(o); err != nil {
				return err
			}
		}
		if len(page) < size {
			return nil
		}
		last = page[len(page)-1].ID
	}
}

func (s *sqlStore) OrganisationAudits(ctx context.Context, orgID string) ([]AuditRecord, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT `+auditColumns+`
		FROM audits a JOIN campaign_organisations o ON o.campaign_id = a.campaign_id AND o.org_id = a.org_id
		WHERE a.org_id = ?`+s.shownAudit(ctx, "a")+`
		ORDER BY a.audited_at, a.campaign_id, a.domain`), orgID)
	if err != nil {
		return nil, fmt.Errorf("store: audits of organisation %s: %w", orgID, err)
	}
	defer rows.Close()
	recs := []AuditRecord{}
	for rows.Next() {
		ar, err := scanAudit(rows, false)
		if err != nil {
			return nil, fmt.Errorf("store: audits of organisation %s: %w", orgID, err)
		}
		recs = append(recs, ar.rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: audits of organisation %s: %w", orgID, err)
	}
	return recs, nil
}

func (s *sqlStore) Audit(ctx context.Context, id int64) (AuditRecord, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT `+auditColumns+`, a.result
		FROM audits a JOIN campaign_organisations o ON o.campaign_id = a.campaign_id AND o.org_id = a.org_id
		WHERE a.id = ?`+s.shownAudit(ctx, "a")), id)
	if err != nil {
		return AuditRecord{}, fmt.Errorf("store: audit %d: %w", id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return AuditRecord{}, fmt.Errorf("store: audit %d: %w", id, err)
		}
		return AuditRecord{}, fmt.Errorf("store: audit %d: %w", id, ErrNotFound)
	}
	ar, err := scanAudit(rows, true)
	if err != nil {
		return AuditRecord{}, fmt.Errorf("store: audit %d: %w", id, err)
	}
	ar.decode()
	return ar.rec, nil
}

func (s *sqlStore) ShiftCampaign(ctx context.Context, campaignID int64, by time.Duration) error {
	c, err := s.Campaign(ctx, campaignID)
	if err != nil {
		return err
	}
	type row struct {
		id int64
		at time.Time
	}
	var audits []row
	rows, err := s.w.QueryContext(ctx, s.q(`SELECT id, audited_at FROM audits WHERE campaign_id = ?`), campaignID)
	if err != nil {
		return fmt.Errorf("store: shift campaign %d: %w", campaignID, err)
	}
	for rows.Next() {
		var (
			r  row
			at dbTime
		)
		if err := rows.Scan(&r.id, &at); err != nil {
			rows.Close()
			return fmt.Errorf("store: shift campaign %d: %w", campaignID, err)
		}
		r.at = at.t
		audits = append(audits, r)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return fmt.Errorf("store: shift campaign %d: %w", campaignID, err)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: shift campaign %d: %w", campaignID, err)
	}
	defer tx.Rollback()
	opt := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return s.d.timeArg(dbTimeOf(t.Add(by)))
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE campaigns SET created_at = ?, finished_at = ?, abandoned_at = ? WHERE id = ?`),
		s.d.timeArg(dbTimeOf(c.Created.Add(by))), opt(c.Finished), opt(c.Abandoned), campaignID); err != nil {
		return fmt.Errorf("store: shift campaign %d: %w", campaignID, err)
	}
	for _, r := range audits {
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE audits SET audited_at = ? WHERE id = ?`), s.d.timeArg(dbTimeOf(r.at.Add(by))), r.id); err != nil {
			return fmt.Errorf("store: shift campaign %d: %w", campaignID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: shift campaign %d: %w", campaignID, err)
	}
	return nil
}
