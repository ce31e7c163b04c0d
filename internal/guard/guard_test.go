package guard

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		addr string
		want Reason
	}{
		// Public addresses.
		{"192.0.1.1", ""},
		{"8.8.8.8", ""},
		{"193.51.24.1", ""},
		{"2a01:cb00::1", ""},
		{"2001:4860:4860::8888", ""},
		// IPv4 ranges.
		{"0.0.0.0", Unspecified},
		{"0.1.2.3", Unspecified},
		{"10.0.0.1", Private},
		{"100.64.0.1", Shared},
		{"100.127.255.254", Shared},
		{"100.128.0.1", ""},
		{"127.0.0.1", Loopback},
		{"127.255.1.2", Loopback},
		{"169.254.169.254", LinkLocal},
		{"172.16.0.1", Private},
		{"172.31.255.255", Private},
		{"172.32.0.1", ""},
		{"192.0.0.8", Reserved},
		{"192.0.2.1", Documentation},
		{"192.88.99.1", Reserved},
		{"192.168.1.1", Private},
		{"198.18.0.1", Benchmarking},
		{"198.19.255.1", Benchmarking},
		{"198.51.100.7", Documentation},
		{"203.0.113.9", Documentation},
		{"224.0.0.251", Multicast},
		{"239.1.1.1", Multicast},
		{"240.0.0.1", Reserved},
		{"255.255.255.255", Broadcast},
		// IPv6 ranges.
		{"::", Unspecified},
		{"::1", Loopback},
		{"fe80::1", LinkLocal},
		{"fe80::1%eth0", LinkLocal},
		{"fc00::1", UniqueLocal},
		{"fd12:3456::1", UniqueLocal},
		{"fec0::1", SiteLocal},
		{"ff02::1", Multicast},
		{"2001:db8::1", Documentation},
		{"3fff::1", Documentation},
		{"100::1", Discard},
		{"2001:2::1", Benchmarking},
		{"64:ff9b:1::1", LocalNAT64},
		{"4000::1", Reserved},
		{"::ffff:1:2", Unspecified}, // IPv4-mapped 0.1.0.2
		// IPv4 embedded in IPv6: judged as the IPv4 address.
		{"::ffff:127.0.0.1", Loopback},
		{"::ffff:169.254.169.254", LinkLocal},
		{"::ffff:8.8.8.8", ""},
		{"::127.0.0.1", Loopback},
		{"::10.1.2.3", Private},
		{"64:ff9b::a9fe:a9fe", LinkLocal},
		{"64:ff9b::10.0.0.1", Private},
		{"64:ff9b::8.8.8.8", ""},
		{"2002:a9fe:a9fe::1", LinkLocal},
		{"2002:7f00:1::", Loopback},
		{"2002:0808:0808::1", ""},
		// Teredo: the client's address is the last 32 bits, inverted.
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", Documentation}, // ^ 192.0.2.45 (RFC 4380's example)
		{"2001:0:4136:e378:8000:63bf:f7f7:f7f7", ""},            // ^ 8.8.8.8
		{"2001:0:4136:e378:8000:63bf:80ff:fffe", Loopback},      // ^ 0x7f000001
		{"2001:0:4136:e378:8000:63bf:5601:5601", LinkLocal},     // ^ 169.254.169.254
	}
	for _, tt := range tests {
		a := netip.MustParseAddr(tt.addr)
		if got := (*Policy)(nil).Check(a); got != tt.want {
			t.Errorf("Check(%s) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestCheckAllowed(t *testing.T) {
	p := NewPolicy(netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("fd00::/8"))
	for _, s := range []string{"127.0.53.1", "::ffff:127.0.0.1", "fd00::53", "64:ff9b::7f00:1"} {
		if got := p.Check(netip.MustParseAddr(s)); got != "" {
			t.Errorf("Check(%s) = %q, want allowed", s, got)
		}
	}
	for _, s := range []string{"10.0.0.1", "169.254.169.254", "fe80::1", "::1"} {
		if got := p.Check(netip.MustParseAddr(s)); got == "" {
			t.Errorf("Check(%s) allowed, want refused", s)
		}
	}
	if got := p.Check(netip.Addr{}); got != Invalid {
		t.Errorf("Check(invalid) = %q, want %q", got, Invalid)
	}
}

func TestCheckName(t *testing.T) {
	refused := []string{
		"localhost", "admin.localhost", "printer.local", "kubernetes.default.svc.cluster.local",
		"metadata.google.internal", "router.home.arpa", "nas.lan", "x.onion", "a.invalid",
		"www.example", "x.alt", "1.0.0.127.in-addr.arpa", "mairie.test", "PRINTER.LOCAL.",
		"srv.corp", "box.home",
	}
	for _, n := range refused {
		var nerr *NameError
		if err := (*Policy)(nil).CheckName(n); !errors.As(err, &nerr) {
			t.Errorf("CheckName(%q) = %v, want a *NameError", n, err)
		}
	}
	for _, n := range []string{"example.fr", "mairie-evry.fr", "local.fr", "localhost.fr", "test.fr", "internal.gouv.fr", "example.com"} {
		if err := (*Policy)(nil).CheckName(n); err != nil {
			t.Errorf("CheckName(%q) = %v, want nil", n, err)
		}
	}
	lab := NewPolicy(netip.MustParsePrefix("127.0.0.0/8"))
	if err := lab.CheckName("good.test"); err != nil {
		t.Errorf("lab CheckName(good.test) = %v, want nil", err)
	}
	if err := lab.CheckName("printer.local"); err == nil {
		t.Errorf("lab CheckName(printer.local) = nil, want refused")
	}
}

// TestDial checks that the guard refuses at connect time: a listener on
// loopback receives no connection from the default guard, and one from a
// guard that allows loopback.
func TestDial(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	g := New(nil)
	_, err = g.DialContext(ctx, "tcp", ln.Addr().String())
	var rerr *RefusedError
	if !errors.As(err, &rerr) || rerr.Reason != Loopback {
		t.Fatalf("default guard: dial %s: err = %v, want a loopback refusal", ln.Addr(), err)
	}
	if got := g.Refusals(); len(got) != 1 || got[0].Address != ln.Addr().String() || got[0].Reason != string(Loopback) {
		t.Errorf("Refusals() = %v, want one loopback refusal of %s", got, ln.Addr())
	}
	// A nil guard refuses too, and records nothing.
	if _, err := (*Guard)(nil).DialContext(ctx, "tcp", ln.Addr().String()); !errors.As(err, &rerr) {
		t.Errorf("nil guard: err = %v, want a refusal", err)
	}

	lab := New(NewPolicy(netip.MustParsePrefix("127.0.0.0/8")))
	c, err := lab.DialContext(ctx, "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("lab guard: %v", err)
	}
	c.Close()
	deadline := time.Now().Add(2 * time.Second)
	for accepted.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := accepted.Load(); got != 1 {
		t.Errorf("listener accepted %d connections, want 1 (the allowed one)", got)
	}
	// The guard counts what it let through, not what it refused.
	if c, err := lab.DialContext(ctx, "tcp", ln.Addr().String()); err == nil {
		c.Close()
	}
	if got := lab.Connections(); len(got) != 1 || got[0].Address != ln.Addr().String() || got[0].Count != 2 {
		t.Errorf("lab guard: Connections() = %+v, want 2 to %s", got, ln.Addr())
	}
	if got := g.Connections(); len(got) != 0 {
		t.Errorf("default guard: Connections() = %+v after a refusal, want none", got)
	}
}

// FuzzCheck checks that Check never panics, that an IPv4-mapped address
// is judged as its IPv4 address, and that what it allows is global
// unicast.
func FuzzCheck(f *testing.F) {
	for _, s := range [][]byte{
		{127, 0, 0, 1}, {8, 8, 8, 8}, {169, 254, 169, 254},
		netip.MustParseAddr("64:ff9b::a9fe:a9fe").AsSlice(),
		netip.MustParseAddr("2001:0:4136:e378:8000:63bf:80ff:fffe").AsSlice(),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, ok := netip.AddrFromSlice(b)
		if !ok {
			return
		}
		r := (*Policy)(nil).Check(a)
		if a.Is4() {
			if m := (*Policy)(nil).Check(netip.AddrFrom16(a.As16())); m != r {
				t.Fatalf("Check(%s) = %q but Check of its mapped form = %q", a, r, m)
			}
		}
		if r == "" && (a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsMulticast() || a.IsUnspecified() || !a.IsGlobalUnicast()) {
			t.Fatalf("Check(%s) allowed an address that is not global unicast", a)
		}
	})
}

// TestReasonWords: every reason has its French and English words in the
// audit vocabulary, where reports find them.
func TestReasonWords(t *testing.T) {
	for _, r := range []Reason{Unspecified, Loopback, Private, Shared, LinkLocal, UniqueLocal, SiteLocal,
		Multicast, Documentation, Benchmarking, Reserved, Broadcast, LocalNAT64, Discard, BadPort, Invalid, SpecialName} {
		if r.Text("fr") == string(r) || r.Text("en") == "" {
			t.Errorf("reason %q: fr %q, en %q; want words in both languages", r, r.Text("fr"), r.Text("en"))
		}
	}
}

// TestConnLimit checks that guards sharing a ConnLimit hold at most its
// cap of connections at once to one address, that a dial waits for a
// closed one, and that another address is not held up.
func TestConnLimit(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	limit := NewConnLimit(2)
	a, b := ForLab().Limit(limit), ForLab().Limit(limit)
	c1, err := a.DialContext(t.Context(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c2, err := b.DialContext(t.Context(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if c, err := a.DialContext(ctx, "tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Fatal("a third connection at once to the address was dialled")
	}
	// Another address (127.0.0.2, the same listener's port is closed
	// there: refused, but not held up by the limit).
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ctx2, cancel2 := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel2()
	if _, err := a.DialContext(ctx2, "tcp", net.JoinHostPort("127.0.0.2", port)); errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a dial to another address waited for the limit: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		c, err := b.DialContext(t.Context(), "tcp", ln.Addr().String())
		if err == nil {
			c.Close()
		}
		done <- err
	}()
	c1.Close()
	c1.Close() // a second Close gives back nothing more
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("dial after a close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a dial waiting for the limit was not let through by a close")
	}
	c2.Close()
	if n := len(limit.sem(netip.MustParseAddr("127.0.0.1"))); n != 0 {
		t.Errorf("%d slots held after every connection closed", n)
	}
}
