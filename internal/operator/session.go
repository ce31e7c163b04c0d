package operator

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"sync"
	"time"
)

// Session is a signed-in operator's session.
type Session struct {
	Operator string
	// CSRF is the token every state-changing form of the session
	// carries: a page of another site cannot read it.
	CSRF          string
	Created, Seen time.Time
}

// Sessions are the open sessions, in memory: a restart signs every
// operator out. Its methods are safe for concurrent use.
type Sessions struct {
	idle, absolute time.Duration
	now            func() time.Time

	mu sync.Mutex
	m  map[string]*Session
}

// Default expiries of a session: idle (no request for that long) and
// absolute (since sign-in), as OWASP's session guide suggests for
// sensitive applications.
const (
	DefaultIdle     = 15 * time.Minute
	DefaultAbsolute = 8 * time.Hour
)

// NewSessions returns an empty set of sessions with these expiries; now
// is the clock (time.Now when nil).
func NewSessions(idle, absolute time.Duration, now func() time.Time) *Sessions {
	if now == nil {
		now = time.Now
	}
	return &Sessions{idle: idle, absolute: absolute, now: now, m: map[string]*Session{}}
}

// token is 256 random bits in hex.
func token() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// Start opens a session for operator and returns its token (for the
// cookie) and the session.
func (s *Sessions) Start(operator string) (string, Session) {
	now := s.now()
	t, sess := token(), &Session{Operator: operator, CSRF: token(), Created: now, Seen: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(now)
	s.m[t] = sess
	return t, *sess
}

// Get returns the session of token and marks it seen; false when there
// is none or it expired (it is then ended).
func (s *Sessions) Get(token string) (Session, bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.m[token]
	if !ok {
		return Session{}, false
	}
	if s.expired(sess, now) {
		delete(s.m, token)
		return Session{}, false
	}
	sess.Seen = now
	return *sess, true
}

// End ends the session of token (signing out).
func (s *Sessions) End(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, token)
}

// CheckCSRF reports whether csrf is the CSRF token of the session of
// token, in constant time.
func (s *Sessions) CheckCSRF(token, csrf string) bool {
	sess, ok := s.Get(token)
	return ok && csrf != "" && subtle.ConstantTimeCompare([]byte(sess.CSRF), []byte(csrf)) == 1
}

func (s *Sessions) expired(sess *Session, now time.Time) bool {
	return now.Sub(sess.Seen) >= s.idle || now.Sub(sess.Created) >= s.absolute
}

// sweep ends the expired sessions; s.mu is held.
func (s *Sessions) sweep(now time.Time) {
	for t, sess := range s.m {
		if s.expired(sess, now) {
			delete(s.m, t)
		}
	}
}

// Throttle slows down password guessing: after Free failures for a key
// (an account's name, a client's address), each further attempt waits,
// twice as long at each failure, up to Max. A success forgets the key's
// failures. Its methods are safe for concurrent use.
type Throttle struct {
	Free int
	Base time.Duration
	Max  time.Duration
	now  func() time.Time

	mu    sync.Mutex
	fails map[string]*failures
}

type failures struct {
	n    int
	last time.Time
}

// NewThrottle returns a throttle of 3 free failures, then 1 s, 2 s, 4 s...
// up to 15 min; now is the clock (time.Now when nil).
func NewThrottle(now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	return &Throttle{Free: 3, Base: time.Second, Max: 15 * time.Minute, now: now, fails: map[string]*failures{}}
}

// Wait returns how long key must wait before its next attempt; 0 when
// it may try now.
func (t *Throttle) Wait(key string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.fails[key]
	if !ok || f.n < t.Free {
		return 0
	}
	d := t.Base << min(f.n-t.Free, 30)
	if d > t.Max || d <= 0 {
		d = t.Max
	}
	if left := d - t.now().Sub(f.last); left > 0 {
		return left
	}
	return 0
}

// Fail records a failed attempt of key.
func (t *Throttle) Fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.fails[key]
	if !ok {
		f = &failures{}
		t.fails[key] = f
	}
	f.n++
	f.last = t.now()
}

// Succeed forgets key's failures.
func (t *Throttle) Succeed(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, key)
}
