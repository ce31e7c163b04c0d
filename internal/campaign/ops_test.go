package campaign

import (
	"context"
	"errors"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
)

// memLease is the lease of a memStore.
type memLease struct {
	s    *memStore
	lost chan struct{}
}

func (l *memLease) Lost() <-chan struct{} { return l.lost }

func (l *memLease) Release() error {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	l.s.locked = false
	return nil
}

func (s *memStore) Lock(ctx context.Context, id int64) (store.Lease, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.locked {
		return nil, &store.LockedError{CampaignID: id, Holder: store.LeaseHolder{Host: "memory", PID: 1}}
	}
	s.locked = true
	return &memLease{s: s, lost: make(chan struct{})}, nil
}

func (s *memStore) AbandonCampaign(ctx context.Context, id int64, at time.Time) error {
	return errors.New("not implemented")
}

func (s *memStore) DeleteCampaign(ctx context.Context, id int64) error {
	return errors.New("not implemented")
}

func (s *memStore) ReplaceAudit(ctx context.Context, j store.Job, r *audit.Result) error {
	return errors.New("not implemented")
}
