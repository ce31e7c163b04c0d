package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
)

// Lease is a campaign's lock, held by one process (Store.Lock).
type Lease interface {
	// Lost is closed when the lease was lost while held (its heartbeat
	// could not renew it, another process took it after it expired, the
	// database connection that holds it ended): the holder must stop.
	Lost() <-chan struct{}
	// Release gives the lease back; a second call does nothing.
	Release() error
}

// LeaseHolder is who holds a campaign's lease.
type LeaseHolder struct {
	Host  string
	PID   int
	Since time.Time
}

// LockedError is Lock's error when another process holds the lease.
type LockedError struct {
	CampaignID int64
	Holder     LeaseHolder
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("store: campaign %d is run by another process (host %s, pid %d, since %s)",
		e.CampaignID, e.Holder.Host, e.Holder.PID, e.Holder.Since.UTC().Format(time.RFC3339))
}

// Lease timings: a SQLite lease is renewed every LeaseHeartbeat and is
// free LeaseExpiry after its last renewal, so that a campaign killed with
// SIGKILL can be resumed that long after (at once on the same host: a
// lease whose process is gone is free).
var (
	LeaseHeartbeat = 5 * time.Second
	LeaseExpiry    = 30 * time.Second
)

// hostname is this machine's name, as leases record it.
func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "unknown"
	}
	return h
}

// processGone reports whether no process pid runs on this machine.
func processGone(pid int) bool {
	if pid <= 0 {
		return true
	}
	err := syscall.Kill(pid, 0)
	return errors.Is(err, syscall.ESRCH)
}

func newToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// lease is a held lease: a goroutine renews it until Release.
type lease struct {
	s       *sqlStore
	id      int64
	token   string
	conn    *sql.Conn // PostgreSQL: the connection that holds the advisory lock
	lost    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	lostOne sync.Once
}

func (l *lease) Lost() <-chan struct{} { return l.lost }

func (l *lease) markLost() { l.lostOne.Do(func() { close(l.lost) }) }

// holder reads the lease row of campaign id from q.
func (s *sqlStore) holder(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id int64) (token string, h LeaseHolder, expires time.Time, err error) {
	var since, exp dbTime
	err = q.QueryRowContext(ctx, s.q(`SELECT token, host, pid, since, expires FROM campaign_leases WHERE campaign_id = ?`), id).
		Scan(&token, &h.Host, &h.PID, &since, &exp)
	h.Since = since.t
	return token, h, exp.t, err
}

func (s *sqlStore) Lock(ctx context.Context, campaignID int64) (Lease, error) {
	if err := s.campaignExists(ctx, campaignID); err != nil {
		return nil, err
	}
	l := &lease{s: s, id: campaignID, token: newToken(), lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	var err error
	if s.d.dollar {
		err = s.lockPostgres(ctx, l)
	} else {
		err = s.lockSQLite(ctx, l)
	}
	if err != nil {
		return nil, err
	}
	go l.beat()
	return l, nil
}

// writeLease inserts or overwrites the lease row of l with this process.
func (s *sqlStore) writeLease(ctx context.Context, ex interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, l *lease) error {
	now := dbTimeOf(time.Now())
	_, err := ex.ExecContext(ctx, s.q(`INSERT INTO campaign_leases (campaign_id, token, host, pid, since, heartbeat, expires)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (campaign_id) DO UPDATE SET token = excluded.token, host = excluded.host, pid = excluded.pid,
			since = excluded.since, heartbeat = excluded.heartbeat, expires = excluded.expires`),
		l.id, l.token, hostname(), os.Getpid(), s.d.timeArg(now), s.d.timeArg(now), s.d.timeArg(now.Add(LeaseExpiry)))
	return err
}

func (s *sqlStore) lockSQLite(ctx context.Context, l *lease) error {
	tx, err := s.w.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the check and the write are one
	if err != nil {
		return fmt.Errorf("store: lock campaign %d: %w", l.id, err)
	}
	defer tx.Rollback()
	_, h, expires, err := s.holder(ctx, tx, l.id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("store: lock campaign %d: %w", l.id, err)
	case time.Now().Before(expires) && !(h.Host == hostname() && h.PID != os.Getpid() && processGone(h.PID)):
		return &LockedError{CampaignID: l.id, Holder: h}
	}
	if err := s.writeLease(ctx, tx, l); err != nil {
		return fmt.Errorf("store: lock campaign %d: %w", l.id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: lock campaign %d: %w", l.id, err)
	}
	return nil
}

// advisoryClass is the first key of the campaigns' advisory locks
// ("vigif", beside the migrations' "vigie").
const advisoryClass = 1986618726

func (s *sqlStore) lockPostgres(ctx context.Context, l *lease) error {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: lock campaign %d: %w", l.id, err)
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1, $2)`, int32(advisoryClass), int32(l.id)).Scan(&ok); err != nil {
		conn.Close()
		return fmt.Errorf("store: lock campaign %d: %w", l.id, err)
	}
	if !ok {
		_, h, _, err := s.holder(ctx, conn, l.id)
		conn.Close()
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: lock campaign %d: %w", l.id, err)
		}
		return &LockedError{CampaignID: l.id, Holder: h}
	}
	if err := s.writeLease(ctx, conn, l); err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1, $2)`, int32(advisoryClass), int32(l.id))
		conn.Close()
		return fmt.Errorf("store: lock campaign %d: %w", l.id, err)
	}
	l.conn = conn
	return nil
}

// beat renews the lease every LeaseHeartbeat until Release; a renewal
// that finds the lease gone or taken marks it lost.
func (l *lease) beat() {
	defer close(l.done)
	t := time.NewTicker(LeaseHeartbeat)
	defer t.Stop()
	renewed := time.Now()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), LeaseExpiry/2)
		now := dbTimeOf(time.Now())
		var res sql.Result
		var err error
		query := l.s.q(`UPDATE campaign_leases SET heartbeat = ?, expires = ? WHERE campaign_id = ? AND token = ?`)
		args := []any{l.s.d.timeArg(now), l.s.d.timeArg(now.Add(LeaseExpiry)), l.id, l.token}
		if l.conn != nil {
			res, err = l.conn.ExecContext(ctx, query, args...)
		} else {
			res, err = l.s.w.ExecContext(ctx, query, args...)
		}
		cancel()
		if err == nil {
			if n, e := res.RowsAffected(); e == nil && n == 0 {
				l.markLost() // taken by another after it expired
				return
			}
			renewed = now
			continue
		}
		// PostgreSQL: the connection that holds the lock is in
		// trouble. SQLite: a busy database is retried until the lease
		// would have expired.
		if l.conn != nil || time.Since(renewed) >= LeaseExpiry {
			l.markLost()
			return
		}
	}
}

func (l *lease) Release() error {
	var err error
	l.once.Do(func() {
		close(l.stop)
		<-l.done
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		query := l.s.q(`DELETE FROM campaign_leases WHERE campaign_id = ? AND token = ?`)
		if l.conn != nil {
			_, err = l.conn.ExecContext(ctx, query, l.id, l.token)
			_, e := l.conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1, $2)`, int32(advisoryClass), int32(l.id))
			err = errors.Join(err, e, l.conn.Close())
		} else {
			_, err = l.s.w.ExecContext(ctx, query, l.id, l.token)
		}
		if err != nil {
			err = fmt.Errorf("store: release campaign %d: %w", l.id, err)
		}
	})
	return err
}
