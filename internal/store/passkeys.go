package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Passkey is an operator's WebAuthn credential, as the server keeps it
// (the Credential Record of WebAuthn Level 3, section 4): its public
// key, never a secret.
type Passkey struct {
	// ID is the credential ID the authenticator chose (at most 1023
	// bytes, WebAuthn section 5.1).
	ID       []byte
	Operator string
	// Name is what the operator calls it ("clé USB", "laptop").
	Name string
	// PublicKey is the credential's public key, a COSE_Key.
	PublicKey []byte
	// SignCount is the authenticator's signature counter, as last
	// seen; 0 for the authenticators that keep none.
	SignCount uint32
	// Transports are those the browser reported ("usb", "internal").
	Transports []string
	// Flags are the authenticator data flags of the registration.
	Flags byte
	// AAGUID names the authenticator's model (16 bytes).
	AAGUID []byte
	// Format is the attestation statement format ("none", "packed").
	Format   string
	Created  time.Time
	LastUsed time.Time // zero before the first sign-in
}

// Passkeys is what the store keeps of the operators' passkeys. The SQL
// stores implement it (a type assertion on a Store gives it).
type Passkeys interface {
	// AddPasskey keeps p; ErrExists when its ID is kept already,
	// ErrNotFound when its operator does not exist.
	AddPasskey(ctx context.Context, p Passkey) error
	// Passkeys returns the passkeys of operator, oldest first.
	Passkeys(ctx context.Context, operator string) ([]Passkey, error)
	// UsePasskey records a sign-in with passkey id of operator at
	// time at, with the authenticator's signature counter count. The
	// counter must have grown (or be 0 and stay 0, for authenticators
	// that keep none): otherwise nothing is changed and the error is
	// ErrSignCount (a cloned authenticator, WebAuthn section 6.1.1).
	// ErrNotFound when operator has no such passkey.
	UsePasskey(ctx context.Context, operator string, id []byte, count uint32, at time.Time) error
	// DeletePasskey removes passkey id of operator; ErrNotFound if
	// operator has none of that ID.
	DeletePasskey(ctx context.Context, operator string, id []byte) error
}

// ErrSignCount is UsePasskey's error when the signature counter did
// not grow.
var ErrSignCount = errors.New("store: the passkey's signature counter did not grow")

var _ Passkeys = (*sqlStore)(nil)

func (s *sqlStore) AddPasskey(ctx context.Context, p Passkey) error {
	if len(p.ID) == 0 || p.Operator == "" || len(p.PublicKey) == 0 {
		return errors.New("store: add passkey: ID, operator and public key are required")
	}
	if p.Created.IsZero() {
		p.Created = time.Now()
	}
	if p.AAGUID == nil {
		p.AAGUID = []byte{}
	}
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO operator_passkeys
		(id, operator, name, public_key, sign_count, transports, flags, aaguid, format, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		p.ID, p.Operator, p.Name, p.PublicKey, int64(p.SignCount), strings.Join(p.Transports, ","), int64(p.Flags), p.AAGUID, p.Format,
		s.d.timeArg(dbTimeOf(p.Created)))
	switch {
	case err == nil:
		return nil
	case s.d.isForeignKey(err):
		return fmt.Errorf("store: add passkey: operator %s: %w", p.Operator, ErrNotFound)
	default:
		if m := strings.ToLower(err.Error()); strings.Contains(m, "unique") || strings.Contains(m, "duplicate") {
			return fmt.Errorf("store: add passkey of %s: %w", p.Operator, ErrExists)
		}
		return fmt.Errorf("store: add passkey of %s: %w", p.Operator, err)
	}
}

func (s *sqlStore) Passkeys(ctx context.Context, operator string) ([]Passkey, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT id, operator, name, public_key, sign_count, transports, flags, aaguid, format, created_at, last_used_at
		FROM operator_passkeys WHERE operator = ? ORDER BY created_at, id`), operator)
	if err != nil {
		if isNoTable(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("store: passkeys of %s: %w", operator, err)
	}
	defer rows.Close()
	var out []Passkey
	for rows.Next() {
		var (
			p                Passkey
			count, flags     int64
			transports       string
			created, lastUse dbTime
		)
		if err := rows.Scan(&p.ID, &p.Operator, &p.Name, &p.PublicKey, &count, &transports, &flags, &p.AAGUID, &p.Format, &created, &lastUse); err != nil {
			return nil, fmt.Errorf("store: passkeys of %s: %w", operator, err)
		}
		p.SignCount, p.Flags, p.Created, p.LastUsed = uint32(count), byte(flags), created.t, lastUse.t
		if transports != "" {
			p.Transports = strings.Split(transports, ",")
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (s *sqlStore) UsePasskey(ctx context.Context, operator string, id []byte, count uint32, at time.Time) error {
	// One statement: two sign-ins with the same counter cannot both
	// pass (WebAuthn section 7.2, step 22).
	res, err := s.w.ExecContext(ctx, s.q(`UPDATE operator_passkeys SET sign_count = ?, last_used_at = ?
		WHERE operator = ? AND id = ? AND (sign_count < ? OR (sign_count = 0 AND ? = 0))`),
		int64(count), s.d.timeArg(dbTimeOf(at)), operator, id, int64(count), int64(count))
	if err != nil {
		return fmt.Errorf("store: use passkey of %s: %w", operator, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	ps, err := s.Passkeys(ctx, operator)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if bytes.Equal(p.ID, id) {
			return fmt.Errorf("store: use passkey of %s: counter %d after %d: %w", operator, count, p.SignCount, ErrSignCount)
		}
	}
	return fmt.Errorf("store: use passkey of %s: %w", operator, ErrNotFound)
}

func (s *sqlStore) DeletePasskey(ctx context.Context, operator string, id []byte) error {
	res, err := s.w.ExecContext(ctx, s.q(`DELETE FROM operator_passkeys WHERE operator = ? AND id = ?`), operator, id)
	if err != nil {
		return fmt.Errorf("store: delete passkey of %s: %w", operator, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("store: delete passkey of %s: %w", operator, ErrNotFound)
	}
	return err
}
