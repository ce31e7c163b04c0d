package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"vigie.eu/vigie/internal/audit"
)

func (s *sqlStore) AbandonCampaign(ctx context.Context, campaignID int64, at time.Time) error {
	res, err := s.w.ExecContext(ctx, s.q(`UPDATE campaigns SET abandoned_at = ? WHERE id = ?`),
		s.d.timeArg(dbTimeOf(at)), campaignID)
	if err != nil {
		return fmt.Errorf("store: abandon campaign %d: %w", campaignID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("store: abandon campaign %d: %w", campaignID, ErrNotFound)
	}
	return nil
}

func (s *sqlStore) DeleteCampaign(ctx context.Context, campaignID int64) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: delete campaign %d: %w", campaignID, err)
	}
	defer tx.Rollback()
	for _, table := range []string{"audit_retries", "audits", "jobs", "campaign_leases", "campaign_organisations"} {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM `+table+` WHERE campaign_id = ?`), campaignID); err != nil {
			return fmt.Errorf("store: delete campaign %d: %s: %w", campaignID, table, err)
		}
	}
	res, err := tx.ExecContext(ctx, s.q(`DELETE FROM campaigns WHERE id = ?`), campaignID)
	if err != nil {
		return fmt.Errorf("store: delete campaign %d: %w", campaignID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("store: delete campaign %d: %w", campaignID, ErrNotFound)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: delete campaign %d: %w", campaignID, err)
	}
	return nil
}

func (s *sqlStore) ReplaceAudit(ctx context.Context, j Job, r *audit.Result) error {
	if r == nil {
		return fmt.Errorf("store: replace %s of %s: nil result", j.Domain, j.Org.ID)
	}
	blob, err := encodeResult(r)
	if err != nil {
		return err
	}
	digest, err := encodeDigest(r)
	if err != nil {
		return err
	}
	at := r.Time
	if at.IsZero() {
		at = time.Now()
	}
	var grade, points any
	if r.Score != nil {
		grade, points = r.Score.Grade, r.Score.Points
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: replace %s of %s: %w", j.Domain, j.Org.ID, err)
	}
	defer tx.Rollback()
	var id int64
	var before int
	err = tx.QueryRowContext(ctx, s.q(`SELECT id, attempts FROM audits WHERE campaign_id = ? AND org_id = ? AND domain = ?`),
		j.CampaignID, j.Org.ID, j.Domain).Scan(&id, &before)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: replace %s of %s: campaign %d has no audit of it", j.Domain, j.Org.ID, j.CampaignID)
	}
	if err != nil {
		return fmt.Errorf("store: replace %s of %s: %w", j.Domain, j.Org.ID, err)
	}
	_, err = tx.ExecContext(ctx, s.q(`INSERT INTO audit_retries (campaign_id, org_id, domain, audited_at, attempts, result, replaced_at)
		SELECT campaign_id, org_id, domain, audited_at, attempts, result, ? FROM audits WHERE id = ?`),
		s.d.timeArg(dbTimeOf(time.Now())), id)
	if err != nil {
		return fmt.Errorf("store: replace %s of %s: keeping the previous audit: %w", j.Domain, j.Org.ID, err)
	}
	_, err = tx.ExecContext(ctx, s.q(`UPDATE audits SET audited_at = ?, grade = ?, points = ?, result = ?, attempts = ?, digest = ? WHERE id = ?`),
		s.d.timeArg(dbTimeOf(at)), grade, points, blob, before+max(j.Attempts, 1), digest, id)
	if err != nil {
		return fmt.Errorf("store: replace %s of %s: %w", j.Domain, j.Org.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: replace %s of %s: %w", j.Domain, j.Org.ID, err)
	}
	return nil
}
