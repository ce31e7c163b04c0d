package tcptest_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"vigie.eu/vigie/internal/tcptest"
)

func TestListenLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:0", "example.test:80", ":0"} {
		if ln, err := tcptest.Listen(addr); err == nil {
			ln.Close()
			t.Errorf("Listen(%q): no error, want a refusal", addr)
		}
	}
}

// TestCloseEndsHandlers: Close closes the connections, ends the
// handlers' context and returns once they have returned.
func TestCloseEndsHandlers(t *testing.T) {
	ln, err := tcptest.Listen("")
	if err != nil {
		t.Fatal(err)
	}
	started, ended := make(chan struct{}), make(chan struct{})
	s := tcptest.Start(ln, func(ctx context.Context, conn net.Conn) {
		close(started)
		tcptest.Hang(ctx, conn)
		<-ctx.Done()
		close(ended)
	})
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	<-started
	s.Close()
	select {
	case <-ended:
	default:
		t.Fatal("Close returned before the handler")
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("read after Close: %v, want EOF", err)
	}
	s.Close() // a second time is harmless
}

func TestDrip(t *testing.T) {
	addr := tcptest.Serve(t, "", tcptest.Drip([]byte("ab"), time.Millisecond))
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	got := make([]byte, 5)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "ababa" {
		t.Errorf("dripped %q, %v; want \"ababa\"", got, err)
	}
}
