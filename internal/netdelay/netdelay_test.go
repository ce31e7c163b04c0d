package netdelay

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"
)

// echoServer serves, through a delayed listener, a line protocol: a
// banner, then each line sent back.
func echoServer(t *testing.T, d Delay) (*DelayedListener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dl := Listener(ln, d)
	t.Cleanup(func() { dl.Close() })
	go func() {
		for {
			c, err := dl.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.WriteString(c, "hello\n")
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					io.WriteString(c, line)
				}
			}()
		}
	}()
	return dl, ln.Addr().String()
}

// TestRoundTrips checks the delays a client sees: the banner two round
// trips after connect (the handshake, then the first bytes), each
// exchange one more, and the bytes in order whatever the jitter. Only
// lower bounds are asserted: a loaded machine may be slower, never faster.
func TestRoundTrips(t *testing.T) {
	const rtt = 40 * time.Millisecond
	dl, addr := echoServer(t, Delay{RTT: rtt, Jitter: 10 * time.Millisecond})
	start := time.Now()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	if line, err := r.ReadString('\n'); err != nil || line != "hello\n" {
		t.Fatalf("banner %q, %v", line, err)
	}
	if got := time.Since(start); got < 2*rtt {
		t.Errorf("banner after %v, want at least 2 round trips (%v)", got, 2*rtt)
	}
	var want strings.Builder
	for i := range 20 {
		want.WriteString(strings.Repeat(string(rune('a'+i)), 100) + "\n")
	}
	mark := time.Now()
	if _, err := io.WriteString(c, want.String()); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, want.Len())
	if _, err := io.ReadFull(r, got); err != nil {
		t.Fatal(err)
	}
	if string(got) != want.String() {
		t.Errorf("echo out of order or altered")
	}
	if el := time.Since(mark); el < rtt {
		t.Errorf("an exchange took %v, want at least one round trip (%v)", el, rtt)
	}
	if n := dl.Accepted(); n != 1 {
		t.Errorf("Accepted = %d, want 1", n)
	}
	m := map[netip.AddrPort]int64{}
	dl.Counts(m)
	if ap := netip.MustParseAddrPort(addr); len(m) != 1 || m[ap] != 1 {
		t.Errorf("Counts = %v, want 1 for %s", m, ap)
	}
}

// TestCloseDelivers checks that what the server wrote before Close
// reaches the client, then EOF.
func TestCloseDelivers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dl := Listener(ln, Delay{RTT: 20 * time.Millisecond})
	defer dl.Close()
	go func() {
		c, err := dl.Accept()
		if err != nil {
			return
		}
		io.WriteString(c, strings.Repeat("x", 100000))
		c.Close()
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b, err := io.ReadAll(c)
	if err != nil || len(b) != 100000 {
		t.Errorf("read %d bytes, %v; want 100000 then EOF", len(b), err)
	}
}

// TestReadDeadline checks that a Read waiting for bytes stops at its
// deadline, and when the deadline is moved to the past while it waits.
func TestReadDeadline(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dl := Listener(ln, Delay{RTT: 10 * time.Millisecond})
	defer dl.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := dl.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c := <-accepted
	defer c.Close()

	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := c.Read(make([]byte, 10)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Read with nothing sent: %v, want a deadline error", err)
	}
	c.SetReadDeadline(time.Time{})
	errc := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 10))
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	c.SetReadDeadline(time.Now().Add(-time.Second)) // as net/http aborts a read
	select {
	case err := <-errc:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("aborted Read: %v, want a deadline error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a Read whose deadline moved to the past did not return")
	}
	// After Close, Read fails at once.
	c.Close()
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Read after Close: %v, want net.ErrClosed", err)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Write after Close: %v, want net.ErrClosed", err)
	}
}

func TestZero(t *testing.T) {
	if !(Delay{}).Zero() || (Delay{RTT: time.Millisecond}).Zero() || (Delay{Jitter: time.Millisecond}).Zero() {
		t.Error("Zero is wrong")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dl := Listener(ln, Delay{})
	defer dl.Close()
	go func() {
		if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
			defer c.Close()
			time.Sleep(100 * time.Millisecond)
		}
	}()
	c, err := dl.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, ok := c.(*net.TCPConn); !ok {
		t.Errorf("with no delay, Accept gives a %T, want the connection itself", c)
	}
}

// TestPeaks counts the connections open at once, and again from those
// open after a reset.
func TestPeaks(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dl := Listener(ln, Delay{})
	defer dl.Close()
	dl.TrackPeaks()
	var clients, servers []net.Conn
	open := func(n int) {
		for range n {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			clients = append(clients, c)
			s, err := dl.Accept()
			if err != nil {
				t.Fatal(err)
			}
			servers = append(servers, s)
		}
	}
	peak := func(reset bool) int64 {
		m := map[netip.Addr]int64{}
		dl.Peaks(m, reset)
		return m[netip.MustParseAddr("127.0.0.1")]
	}
	open(3)
	for _, s := range servers[:2] {
		s.Close()
		s.Close() // counted once
	}
	open(1)
	if got := peak(true); got != 3 {
		t.Errorf("peak = %d, want 3", got)
	}
	// Open now: 2; after the reset the peak starts from them.
	if got := peak(false); got != 2 {
		t.Errorf("peak after reset = %d, want 2 (open now)", got)
	}
	open(2)
	if got := peak(false); got != 4 {
		t.Errorf("peak = %d, want 4", got)
	}
	for _, c := range append(clients, servers...) {
		c.Close()
	}
}
