package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Contact is a person to tell about an organisation's results. The store
// keeps it sealed: Sealed is ciphertext (internal/secret) and Index the
// blind index of its e-mail; the store never sees the address.
type Contact struct {
	ID      int64
	OrgID   string
	Sealed  []byte
	Index   []byte
	Created time.Time
}

// Outcomes of a Sending. They are stored values: append-only.
const (
	// SendingPending: claimed, being sent, or interrupted while sent
	// (then unknown: it is not sent again).
	SendingPending = "sending"
	SendingSent    = "sent"
	// SendingFailed: the relay refused or did not answer; the sending
	// may be claimed again.
	SendingFailed = "failed"
)

// Sending is the alert e-mail of one campaign to one organisation.
type Sending struct {
	CampaignID int64
	OrgID      string
	Time       time.Time
	Outcome    string
	Recipients int
	// Detail says why it failed; never an address.
	Detail string
}

// Contacts is what the store keeps of the organisations' contacts and
// of the alerts sent to them, all personal data sealed by the caller.
// The SQL stores implement it (a type assertion on a Store gives it).
type Contacts interface {
	// AddContact stores c (its ID and, when zero, Created are chosen)
	// and returns its ID; ErrExists when the organisation has a
	// contact of the same index.
	AddContact(ctx context.Context, c Contact) (int64, error)
	// RemoveContact deletes the contact id of organisation orgID;
	// ErrNotFound if it has none of that ID.
	RemoveContact(ctx context.Context, orgID string, id int64) error
	// OrgContacts returns the contacts of the organisation, oldest
	// first; none gives an empty slice.
	OrgContacts(ctx context.Context, orgID string) ([]Contact, error)
	// SetOperatorEmail stores the operator's sealed e-mail (nil
	// removes it); ErrNotFound if there is no such operator.
	SetOperatorEmail(ctx context.Context, name string, sealed []byte) error
	// OperatorEmail returns the operator's sealed e-mail, nil if none;
	// ErrNotFound if there is no such operator.
	OperatorEmail(ctx context.Context, name string) ([]byte, error)
	// Reseal replaces, in one transaction, every sealed value the store
	// holds (contacts and operators' e-mails) with what fn returns of
	// it, and each contact's index with the index fn returns (ignored
	// for an e-mail of an operator): key rotation. An error from fn
	// changes nothing. It returns how many values it resealed.
	Reseal(ctx context.Context, fn func(sealed []byte) (resealed, index []byte, err error)) (int, error)
	// ClaimSending records that the alert of s.CampaignID to s.OrgID is
	// being sent (outcome SendingPending, at s.Time) and returns true,
	// when no sending of it was recorded or the last one failed; it
	// returns false, and records nothing, when one is sent or being
	// sent: an alert is never sent twice.
	ClaimSending(ctx context.Context, s Sending) (bool, error)
	// FinishSending records the outcome of a claimed sending (Time,
	// Outcome, Recipients, Detail); ErrNotFound if it was not claimed.
	FinishSending(ctx context.Context, s Sending) error
	// Sendings returns the sendings of the campaign, by organisation.
	Sendings(ctx context.Context, campaignID int64) ([]Sending, error)
}

var _ Contacts = (*sqlStore)(nil)

func isUnique(err error) bool {
	m := strings.ToLower(err.Error())
	return strings.Contains(m, "unique") || strings.Contains(m, "duplicate")
}

func (s *sqlStore) AddContact(ctx context.Context, c Contact) (int64, error) {
	if c.OrgID == "" || len(c.Sealed) == 0 || len(c.Index) == 0 {
		return 0, errors.New("store: add contact: organisation, sealed value and index are required")
	}
	if c.Created.IsZero() {
		c.Created = time.Now()
	}
	var id int64
	err := s.w.QueryRowContext(ctx, s.q(`INSERT INTO contacts (org_id, sealed, email_index, created_at) VALUES (?, ?, ?, ?) RETURNING id`),
		c.OrgID, c.Sealed, c.Index, s.d.timeArg(dbTimeOf(c.Created))).Scan(&id)
	if err != nil {
		if isUnique(err) {
			return 0, fmt.Errorf("store: contact of %s: %w", c.OrgID, ErrExists)
		}
		return 0, fmt.Errorf("store: add contact of %s: %w", c.OrgID, err)
	}
	return id, nil
}

func (s *sqlStore) RemoveContact(ctx context.Context, orgID string, id int64) error {
	res, err := s.w.ExecContext(ctx, s.q(`DELETE FROM contacts WHERE org_id = ? AND id = ?`), orgID, id)
	if err != nil {
		return fmt.Errorf("store: remove contact %d of %s: %w", id, orgID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("store: contact %d of %s: %w", id, orgID, ErrNotFound)
	}
	return nil
}

func (s *sqlStore) OrgContacts(ctx context.Context, orgID string) ([]Contact, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT id, org_id, sealed, email_index, created_at FROM contacts WHERE org_id = ? ORDER BY id`), orgID)
	if err != nil {
		if isNoTable(err) {
			return []Contact{}, nil
		}
		return nil, fmt.Errorf("store: contacts of %s: %w", orgID, err)
	}
	defer rows.Close()
	out := []Contact{}
	for rows.Next() {
		var (
			c  Contact
			at dbTime
		)
		if err := rows.Scan(&c.ID, &c.OrgID, &c.Sealed, &c.Index, &at); err != nil {
			return nil, fmt.Errorf("store: contacts of %s: %w", orgID, err)
		}
		c.Created = at.t
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *sqlStore) SetOperatorEmail(ctx context.Context, name string, sealed []byte) error {
	var v any
	if sealed != nil {
		v = sealed
	}
	res, err := s.w.ExecContext(ctx, s.q(`UPDATE operators SET email = ? WHERE name = ?`), v, name)
	if err != nil {
		return fmt.Errorf("store: e-mail of operator %s: %w", name, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("store: operator %s: %w", name, ErrNotFound)
	}
	return nil
}

func (s *sqlStore) OperatorEmail(ctx context.Context, name string) ([]byte, error) {
	var b []byte
	err := s.r.QueryRowContext(ctx, s.q(`SELECT email FROM operators WHERE name = ?`), name).Scan(&b)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("store: operator %s: %w", name, ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("store: e-mail of operator %s: %w", name, err)
	}
	return b, nil
}

func (s *sqlStore) Reseal(ctx context.Context, fn func(sealed []byte) (resealed, index []byte, err error)) (n int, err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: reseal: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	type row struct {
		key    any
		sealed []byte
	}
	read := func(query string) ([]row, error) {
		rows, err := tx.QueryContext(ctx, query)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.key, &r.sealed); err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, rows.Err()
	}
	contacts, err := read(`SELECT id, sealed FROM contacts ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("store: reseal: %w", err)
	}
	for _, r := range contacts {
		sealed, index, err := fn(r.sealed)
		if err != nil {
			return 0, fmt.Errorf("store: reseal contact %v: %w", r.key, err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE contacts SET sealed = ?, email_index = ? WHERE id = ?`), sealed, index, r.key); err != nil {
			return 0, fmt.Errorf("store: reseal contact %v: %w", r.key, err)
		}
		n++
	}
	emails, err := read(`SELECT name, email FROM operators WHERE email IS NOT NULL ORDER BY name`)
	if err != nil {
		return 0, fmt.Errorf("store: reseal: %w", err)
	}
	for _, r := range emails {
		sealed, _, err := fn(r.sealed)
		if err != nil {
			return 0, fmt.Errorf("store: reseal e-mail of operator %s: %w", r.key, err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE operators SET email = ? WHERE name = ?`), sealed, r.key); err != nil {
			return 0, fmt.Errorf("store: reseal e-mail of operator %s: %w", r.key, err)
		}
		n++
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: reseal: %w", err)
	}
	return n, nil
}

func (s *sqlStore) ClaimSending(ctx context.Context, x Sending) (bool, error) {
	if x.OrgID == "" {
		return false, errors.New("store: claim sending: no organisation")
	}
	if x.Time.IsZero() {
		x.Time = time.Now()
	}
	// One statement: the insert, or the update of a failed sending
	// only; a sent or pending one stays and no row changes.
	res, err := s.w.ExecContext(ctx, s.q(`INSERT INTO alert_sendings (campaign_id, org_id, at, outcome, recipients, detail)
		VALUES (?, ?, ?, ?, ?, '')
		ON CONFLICT (campaign_id, org_id) DO UPDATE SET at = excluded.at, outcome = excluded.outcome, recipients = excluded.recipients, detail = ''
		WHERE alert_sendings.outcome = ?`),
		x.CampaignID, x.OrgID, s.d.timeArg(dbTimeOf(x.Time)), SendingPending, x.Recipients, SendingFailed)
	if err != nil {
		return false, fmt.Errorf("store: claim sending of campaign %d to %s: %w", x.CampaignID, x.OrgID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: claim sending of campaign %d to %s: %w", x.CampaignID, x.OrgID, err)
	}
	return n == 1, nil
}

func (s *sqlStore) FinishSending(ctx context.Context, x Sending) error {
	if x.Outcome != SendingSent && x.Outcome != SendingFailed {
		return fmt.Errorf("store: finish sending: outcome %q", x.Outcome)
	}
	if x.Time.IsZero() {
		x.Time = time.Now()
	}
	res, err := s.w.ExecContext(ctx, s.q(`UPDATE alert_sendings SET at = ?, outcome = ?, recipients = ?, detail = ?
		WHERE campaign_id = ? AND org_id = ? AND outcome = ?`),
		s.d.timeArg(dbTimeOf(x.Time)), x.Outcome, x.Recipients, x.Detail, x.CampaignID, x.OrgID, SendingPending)
	if err != nil {
		return fmt.Errorf("store: finish sending of campaign %d to %s: %w", x.CampaignID, x.OrgID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("store: sending of campaign %d to %s: not claimed: %w", x.CampaignID, x.OrgID, ErrNotFound)
	}
	return nil
}

func (s *sqlStore) Sendings(ctx context.Context, campaignID int64) ([]Sending, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT campaign_id, org_id, at, outcome, recipients, detail FROM alert_sendings WHERE campaign_id = ? ORDER BY org_id`), campaignID)
	if err != nil {
		if isNoTable(err) {
			return []Sending{}, nil
		}
		return nil, fmt.Errorf("store: sendings of campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	out := []Sending{}
	for rows.Next() {
		var (
			x  Sending
			at dbTime
		)
		if err := rows.Scan(&x.CampaignID, &x.OrgID, &at, &x.Outcome, &x.Recipients, &x.Detail); err != nil {
			return nil, fmt.Errorf("store: sendings of campaign %d: %w", campaignID, err)
		}
		x.Time = at.t
		out = append(out, x)
	}
	return out, rows.Err()
}
