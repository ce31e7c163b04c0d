package queue

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/netip"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5"
)

// slotClass is the first key of the advisory locks of the politeness
// slots (two-key form: (slotClass + hash of the address) never meets the
// store's one-key locks, whose space is apart).
const slotClass = 1986618728

// slots are the politeness slots of one worker: session advisory locks
// (pg_try_advisory_lock(key, slot)) held on one connection of its own,
// so that every slot the worker holds is freed by the server the moment
// its connection ends (the worker stops, is killed, or its machine is
// lost). A session may take a lock it holds again, so the slots the
// worker holds are also kept here, and never asked for twice.
type slots struct {
	mu   sync.Mutex
	conn *pgx.Conn
	held map[netip.Addr][]bool
}

// newSlots opens the slots' connection to url.
func newSlots(ctx context.Context, url string) (*slots, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("queue: slots connection: %w", err)
	}
	return &slots{conn: conn, held: map[netip.Addr][]bool{}}, nil
}

// close ends the connection, freeing every slot.
func (s *slots) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conn.Close(context.Background())
}

// key is the lock key of addr: 32 bits of its FNV-1a hash. Two
// addresses with the same key share their slots, which only makes the
// workers more polite.
func key(addr netip.Addr) int32 {
	h := fnv.New32a()
	b := addr.As16()
	h.Write(b[:])
	return int32(h.Sum32())
}

// acquire takes one of the n slots of addr, all workers together: ok is
// false when all are taken. The zero Addr takes no slot (a domain
// without address makes no connection beyond DNS). An error means that
// the connection is lost: the slots are gone with it.
func (s *slots) acquire(ctx context.Context, addr netip.Addr, n int) (release func() error, ok bool, err error) {
	if !addr.IsValid() {
		return func() error { return nil }, true, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	mine := s.held[addr]
	if len(mine) < n {
		mine = append(mine, make([]bool, n-len(mine))...)
		s.held[addr] = mine
	}
	k := key(addr)
	for i := range n {
		if mine[i] {
			continue
		}
		var got bool
		if err := s.conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1::int4 # $2::int4, $3::int4)`, int32(slotClass), k, int32(i)).Scan(&got); err != nil {
			return nil, false, fmt.Errorf("queue: slot of %s: %w", addr, err)
		}
		if got {
			mine[i] = true
			return func() error { return s.release(addr, k, i) }, true, nil
		}
	}
	return nil, false, nil
}

// release gives back slot i of addr.
func (s *slots) release(addr netip.Addr, k int32, i int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held[addr][i] = false
	if !slices.Contains(s.held[addr], true) {
		delete(s.held, addr)
	}
	var ok bool
	if err := s.conn.QueryRow(context.Background(), `SELECT pg_advisory_unlock($1::int4 # $2::int4, $3::int4)`, int32(slotClass), k, int32(i)).Scan(&ok); err != nil {
		return fmt.Errorf("queue: slot of %s: %w", addr, err)
	}
	if !ok {
		return fmt.Errorf("queue: slot %d of %s was not held: the slots' connection was lost", i, addr)
	}
	return nil
}

// ping checks the slots' connection.
func (s *slots) ping(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.conn.Ping(ctx); err != nil {
		return fmt.Errorf("queue: slots connection: %w", err)
	}
	return nil
}
