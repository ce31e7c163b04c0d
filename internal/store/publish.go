package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// What the public sees: a campaign is public once published, and an
// organisation that asked to be left out is hidden, its audits with it.
// The operators' side and the command line read the whole store; the
// public observatory and the open data read a PublicView of it.

// HiddenOrganisation is an organisation hidden from the public at its
// request: the public pages show its name, the date and the reason, and
// nothing of its audits.
type HiddenOrganisation struct {
	ID   string
	Name string // its name when it was hidden
	// Reason is shown to the public; Operator is who hid it.
	Reason, Operator string
	At               time.Time
}

// Publishing is what the store keeps of what the public sees. The SQL
// stores implement it (a type assertion on a Store gives it), and so do
// their public views (whose write methods are the store's).
type Publishing interface {
	// SetPublished publishes a campaign (true) or withdraws it from the
	// public (false); ErrNotFound if it does not exist.
	SetPublished(ctx context.Context, campaignID int64, published bool) error
	// Published reports whether the campaign is published; ErrNotFound
	// if it does not exist.
	Published(ctx context.Context, campaignID int64) (bool, error)
	// HideOrganisation hides h.ID (an organisation some campaign
	// listed, else ErrNotFound) with h's reason, date and operator;
	// Name is taken from the store. Hiding it again replaces the reason
	// and date.
	HideOrganisation(ctx context.Context, h HiddenOrganisation) error
	// UnhideOrganisation shows the organisation again; ErrNotFound if
	// it was not hidden.
	UnhideOrganisation(ctx context.Context, orgID string) error
	// HiddenOrganisations returns the hidden organisations, by ID. A
	// database whose schema predates hiding has none.
	HiddenOrganisations(ctx context.Context) ([]HiddenOrganisation, error)
}

var _ Publishing = (*sqlStore)(nil)

// publicView marks a store as the public's view of the database.
type publicView struct {
	// migrated is set once the database is known to hold the tables of
	// publishing: a database that predates them is shown whole, as
	// everything in it was public.
	migrated atomic.Bool
}

// PublicView returns the view of st that the public sees: unpublished
// campaigns do not exist in it (Campaign, ListCampaigns, their audits
// and organisations: ErrNotFound or nothing), an organisation is
// listed only when a published campaign lists it (as the newest of
// them recorded it), and no audit of a hidden organisation is read. Its
// other methods are st's, Close included: close st or the view, not
// both. st must be a store of this package.
func PublicView(st Store) (Store, error) {
	s, ok := st.(*sqlStore)
	if !ok {
		return nil, fmt.Errorf("store: no public view of a %T", st)
	}
	if s.public != nil {
		return s, nil
	}
	v := *s
	v.public = &publicView{}
	return &v, nil
}

// filtered reports whether the reads of s leave out what the public
// does not see. It fails closed: only a database known to lack the
// tables of publishing is read whole.
func (s *sqlStore) filtered(ctx context.Context) bool {
	if s.public == nil {
		return false
	}
	if s.public.migrated.Load() {
		return true
	}
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM hidden_organisations WHERE 1 = 0`).Scan(&n)
	if err == nil {
		s.public.migrated.Store(true)
	}
	return err == nil || !isNoTable(err)
}

// publishedIDs is the public's set of campaigns, for "col IN (...)".
const publishedIDs = `(SELECT id FROM campaigns WHERE published)`

// shownCampaign returns a condition, " AND ...", that the campaign whose
// ID is col is published; "" outside a public view.
func (s *sqlStore) shownCampaign(ctx context.Context, col string) string {
	if !s.filtered(ctx) {
		return ""
	}
	return ` AND ` + col + ` IN ` + publishedIDs
}

// shownAudit returns a condition, " AND ...", that the audit aliased a
// belongs to a published campaign and to an organisation not hidden; ""
// outside a public view.
func (s *sqlStore) shownAudit(ctx context.Context, a string) string {
	if !s.filtered(ctx) {
		return ""
	}
	return ` AND ` + a + `.campaign_id IN ` + publishedIDs + ` AND ` + a + `.org_id NOT IN (SELECT org_id FROM hidden_organisations)`
}

func (s *sqlStore) SetPublished(ctx context.Context, campaignID int64, published bool) error {
	res, err := s.w.ExecContext(ctx, s.q(`UPDATE campaigns SET published = ? WHERE id = ?`), published, campaignID)
	if err != nil {
		return fmt.Errorf("store: publish campaign %d: %w", campaignID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("store: publish campaign %d: %w", campaignID, ErrNotFound)
	}
	return nil
}

func (s *sqlStore) Published(ctx context.Context, campaignID int64) (bool, error) {
	var p bool
	err := s.r.QueryRowContext(ctx, s.q(`SELECT published FROM campaigns WHERE id = ?`), campaignID).Scan(&p)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, fmt.Errorf("store: campaign %d: %w", campaignID, ErrNotFound)
	case err != nil && strings.Contains(err.Error(), "published"):
		// A database from before publishing: everything was public.
		return true, s.campaignExists(ctx, campaignID)
	case err != nil:
		return false, fmt.Errorf("store: campaign %d: %w", campaignID, err)
	}
	return p, nil
}

func (s *sqlStore) HideOrganisation(ctx context.Context, h HiddenOrganisation) error {
	if h.ID == "" {
		return errors.New("store: hide organisation: no identifier")
	}
	if h.At.IsZero() {
		h.At = time.Now()
	}
	var name string
	err := s.w.QueryRowContext(ctx, s.q(`SELECT name FROM organisations WHERE id = ?`), h.ID).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: hide organisation %s: %w", h.ID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: hide organisation %s: %w", h.ID, err)
	}
	_, err = s.w.ExecContext(ctx, s.q(`INSERT INTO hidden_organisations (org_id, name, reason, hidden_at, operator) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET name = excluded.name, reason = excluded.reason, hidden_at = excluded.hidden_at, operator = excluded.operator`),
		h.ID, name, h.Reason, s.d.timeArg(dbTimeOf(h.At)), h.Operator)
	if err != nil {
		return fmt.Errorf("store: hide organisation %s: %w", h.ID, err)
	}
	return nil
}

func (s *sqlStore) UnhideOrganisation(ctx context.Context, orgID string) error {
	res, err := s.w.ExecContext(ctx, s.q(`DELETE FROM hidden_organisations WHERE org_id = ?`), orgID)
	if err != nil {
		return fmt.Errorf("store: unhide organisation %s: %w", orgID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("store: unhide organisation %s: %w", orgID, ErrNotFound)
	}
	return nil
}

func (s *sqlStore) HiddenOrganisations(ctx context.Context) ([]HiddenOrganisation, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT org_id, name, reason, hidden_at, operator FROM hidden_organisations ORDER BY org_id`)
	if err != nil {
		if isNoTable(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("store: hidden organisations: %w", err)
	}
	defer rows.Close()
	var out []HiddenOrganisation
	for rows.Next() {
		var (
			h  HiddenOrganisation
			at dbTime
		)
		if err := rows.Scan(&h.ID, &h.Name, &h.Reason, &at, &h.Operator); err != nil {
			return nil, fmt.Errorf("store: hidden organisations: %w", err)
		}
		h.At = at.t
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: hidden organisations: %w", err)
	}
	return out, nil
}
