package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Operator is an account of the observatory's operators.
type Operator struct {
	Name string
	// PasswordHash is the argon2id hash of the password
	// (internal/operator); TOTPSecret the base32 secret of the one-time
	// codes.
	PasswordHash, TOTPSecret string
	Created                  time.Time
}

// AdminEntry is a line of the admin log: who did what, when.
type AdminEntry struct {
	ID       int64
	Time     time.Time
	Operator string
	// Action is a stable code ("operator.create", "login", "login.fail").
	Action string
	Detail string
}

// Operators is what the store keeps of the operators: their accounts and
// the append-only log of their actions. The SQL stores implement it
// (a type assertion on a Store gives it).
type Operators interface {
	// CreateOperator adds an account; ErrExists when the name is taken.
	CreateOperator(ctx context.Context, o Operator) error
	// Operator returns the account name; ErrNotFound if none.
	Operator(ctx context.Context, name string) (Operator, error)
	// AppendAdminLog adds e to the admin log (its ID is chosen) and
	// returns its ID. Lines are never changed nor deleted: the database
	// refuses it.
	AppendAdminLog(ctx context.Context, e AdminEntry) (int64, error)
	// AdminLog returns the newest limit lines, newest first.
	AdminLog(ctx context.Context, limit int) ([]AdminEntry, error)
}

// ErrExists is returned when what is created exists already.
var ErrExists = errors.New("store: exists already")

var _ Operators = (*sqlStore)(nil)

func (s *sqlStore) CreateOperator(ctx context.Context, o Operator) error {
	if o.Name == "" || o.PasswordHash == "" || o.TOTPSecret == "" {
		return errors.New("store: create operator: name, password hash and TOTP secret are required")
	}
	if o.Created.IsZero() {
		o.Created = time.Now()
	}
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO operators (name, password, totp, created_at) VALUES (?, ?, ?, ?)`),
		o.Name, o.PasswordHash, o.TOTPSecret, s.d.timeArg(dbTimeOf(o.Created)))
	if err != nil {
		if m := strings.ToLower(err.Error()); strings.Contains(m, "unique") || strings.Contains(m, "duplicate") {
			return fmt.Errorf("store: operator %s: %w", o.Name, ErrExists)
		}
		return fmt.Errorf("store: create operator %s: %w", o.Name, err)
	}
	return nil
}

func (s *sqlStore) Operator(ctx context.Context, name string) (Operator, error) {
	var (
		o  Operator
		at dbTime
	)
	err := s.r.QueryRowContext(ctx, s.q(`SELECT name, password, totp, created_at FROM operators WHERE name = ?`), name).
		Scan(&o.Name, &o.PasswordHash, &o.TOTPSecret, &at)
	switch {
	case errors.Is(err, sql.ErrNoRows) || err != nil && isNoTable(err):
		return o, fmt.Errorf("store: operator %s: %w", name, ErrNotFound)
	case err != nil:
		return o, fmt.Errorf("store: operator %s: %w", name, err)
	}
	o.Created = at.t
	return o, nil
}

func (s *sqlStore) AppendAdminLog(ctx context.Context, e AdminEntry) (int64, error) {
	if e.Action == "" {
		return 0, errors.New("store: admin log: no action")
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	var id int64
	err := s.w.QueryRowContext(ctx, s.q(`INSERT INTO admin_log (at, operator, action, detail) VALUES (?, ?, ?, ?) RETURNING id`),
		s.d.timeArg(dbTimeOf(e.Time)), e.Operator, e.Action, e.Detail).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: admin log: %w", err)
	}
	return id, nil
}

func (s *sqlStore) AdminLog(ctx context.Context, limit int) ([]AdminEntry, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT id, at, operator, action, detail FROM admin_log ORDER BY id DESC LIMIT ?`), limit)
	if err != nil {
		if isNoTable(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("store: admin log: %w", err)
	}
	defer rows.Close()
	var out []AdminEntry
	for rows.Next() {
		var (
			e  AdminEntry
			at dbTime
		)
		if err := rows.Scan(&e.ID, &at, &e.Operator, &e.Action, &e.Detail); err != nil {
			return nil, fmt.Errorf("store: admin log: %w", err)
		}
		e.Time = at.t
		out = append(out, e)
	}
	return out, rows.Err()
}
