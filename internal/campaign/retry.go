package campaign

import (
	"context"
	"errors"
	"fmt"

	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/store"
)

// ErrNotFinished is returned by Retry for a campaign that is not
// finished: resume it first.
var ErrNotFinished = errors.New("campaign: not finished")

// Retry audits again the jobs of a finished campaign whose stored audit
// is a transient failure (engine.Transient), with the retries and the
// resolver checks of Run, holding the campaign's lease, and replaces
// each stored audit with the new one (store.ReplaceAudit: the previous
// one is kept in the store's replaced audits, and the attempts add up).
// It returns how many jobs it found to retry. A campaign that is not
// finished is ErrNotFinished. When interrupted, the jobs not audited
// keep their previous audit, and Retry may be run again.
func Retry(ctx context.Context, st store.Store, campaignID int64, cfg Config, progress Progress) (int, error) {
	c, err := st.Campaign(ctx, campaignID)
	if err != nil {
		return 0, err
	}
	if c.Finished.IsZero() {
		return 0, fmt.Errorf("campaign %d: %w", campaignID, ErrNotFinished)
	}
	cfg = withDefaults(cfg)
	var jobs []store.Job
	err = locked(ctx, st, campaignID, func(ctx context.Context) error {
		err := st.CampaignAudits(ctx, campaignID, func(rec store.AuditRecord) error {
			if rec.Result != nil && engine.Transient(rec.Result) {
				jobs = append(jobs, store.Job{CampaignID: campaignID, Org: rec.Org, Domain: rec.Domain})
			}
			return nil
		})
		if err != nil {
			return interrupted(ctx, fmt.Errorf("campaign %d: %w", campaignID, err))
		}
		if progress != nil {
			progress.Start(0, len(jobs))
		}
		r, err := start(ctx, st, campaignID, cfg, progress, len(jobs) > 0)
		if err != nil {
			return err
		}
		r.replace = true
		if err := r.rounds(ctx, jobs); err != nil {
			return err
		}
		if ctx.Err() != nil || r.saved < len(jobs) {
			return ErrInterrupted
		}
		return nil
	})
	return len(jobs), err
}
