package operator

import (
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestSessions(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)}
	s := NewSessions(15*time.Minute, time.Hour, clk.now)
	tok, sess := s.Start("alice")
	if len(tok) != 64 || len(sess.CSRF) != 64 || tok == sess.CSRF {
		t.Fatalf("token %q, CSRF %q: want two distinct 256-bit tokens", tok, sess.CSRF)
	}
	if got, ok := s.Get(tok); !ok || got.Operator != "alice" {
		t.Fatalf("Get: %+v %v", got, ok)
	}
	if !s.CheckCSRF(tok, sess.CSRF) || s.CheckCSRF(tok, "") || s.CheckCSRF(tok, sess.CSRF[:63]+"0") || s.CheckCSRF("other", sess.CSRF) {
		t.Error("CheckCSRF accepts what it should not, or refuses the right token")
	}
	// Idle: each request within 15 min keeps it open...
	for range 3 {
		clk.add(14 * time.Minute)
		if _, ok := s.Get(tok); !ok {
			t.Fatal("session closed while in use")
		}
	}
	// ...up to the absolute expiry.
	clk.add(14 * time.Minute) // 56 min
	if _, ok := s.Get(tok); !ok {
		t.Fatal("session closed before its absolute expiry")
	}
	clk.add(5 * time.Minute) // 61 min
	if _, ok := s.Get(tok); ok {
		t.Error("session open past its absolute expiry")
	}
	tok2, _ := s.Start("bob")
	clk.add(15 * time.Minute)
	if _, ok := s.Get(tok2); ok {
		t.Error("session open after 15 idle minutes")
	}
	tok3, _ := s.Start("carol")
	s.End(tok3)
	if _, ok := s.Get(tok3); ok {
		t.Error("session open after End")
	}
}

func TestThrottle(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)}
	th := NewThrottle(clk.now)
	for i := range 3 {
		if w := th.Wait("name:alice"); w != 0 {
			t.Fatalf("failure %d: wait %v within the free failures", i, w)
		}
		th.Fail("name:alice")
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
	for i, w := range want {
		if got := th.Wait("name:alice"); got != w {
			t.Errorf("after %d failures: wait %v, want %v", 3+i, got, w)
		}
		clk.add(w)
		if got := th.Wait("name:alice"); got != 0 {
			t.Errorf("after waiting %v: still %v", w, got)
		}
		th.Fail("name:alice")
	}
	if th.Wait("addr:192.0.2.1") != 0 {
		t.Error("another key is throttled")
	}
	for range 40 {
		th.Fail("name:alice")
	}
	if got := th.Wait("name:alice"); got != 15*time.Minute {
		t.Errorf("after many failures: %v, want the 15 min cap", got)
	}
	th.Succeed("name:alice")
	if th.Wait("name:alice") != 0 {
		t.Error("a success did not forget the failures")
	}
}
