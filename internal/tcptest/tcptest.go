// Package tcptest runs TCP servers on loopback: the plumbing that the
// protocol fakes (tlstest, smtptest) and the lab share. It knows nothing of
// any protocol.
//
// Like net/http/httptest, it does not import testing: the lab, which is
// part of the vigie binary, runs its servers with Start, and tests with
// Serve, which takes a TB (a *testing.T does) and stops the server when
// the test ends.
package tcptest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"
)

// TB is the part of testing.TB that the fakes' test wrappers use; every
// testing.TB is one. The fakes take a TB rather than a testing.TB so that
// their packages do not import testing and may be linked into the vigie
// binary, which must not link it.
type TB interface {
	Helper()
	Name() string
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Cleanup(func())
}

// Handler serves one connection. ctx ends when the server closes; the
// connection is closed when the handler returns.
type Handler func(ctx context.Context, conn net.Conn)

// Listen listens on addr, a loopback "ip:port" ("" means a random port of
// 127.0.0.1). Any address off loopback is refused: the fakes never listen
// beyond this machine.
func Listen(addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if ap, err := netip.ParseAddrPort(addr); err != nil || !ap.Addr().IsLoopback() {
		return nil, fmt.Errorf("tcptest: %q is not a loopback address and port", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("tcptest: %w", err)
	}
	return ln, nil
}

// Server accepts connections on a listener and runs a handler for each,
// in its own goroutine, until Close.
type Server struct {
	ln     net.Listener
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]bool
	once   sync.Once
}

// Start serves ln with handle until Close.
func Start(ln net.Listener, handle Handler) *Server {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{ln: ln, cancel: cancel, conns: map[net.Conn]bool{}}
	s.wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				if ctx.Err() == nil && (errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)) {
					// Out of descriptors for a moment: wait,
					// as net/http does, rather than stop.
					time.Sleep(10 * time.Millisecond)
					continue
				}
				return
			}
			s.mu.Lock()
			s.conns[conn] = true
			s.mu.Unlock()
			s.wg.Go(func() {
				defer func() {
					conn.Close()
					s.mu.Lock()
					delete(s.conns, conn)
					s.mu.Unlock()
				}()
				stop := context.AfterFunc(ctx, func() { conn.Close() })
				defer stop()
				handle(ctx, conn)
			})
		}
	})
	return s
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close closes the listener and every connection, and waits for the
// handlers to return. It may be called more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		s.cancel()
		s.ln.Close()
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
	})
	s.wg.Wait()
}

// Serve listens on addr (as Listen) and runs handle for each connection
// until the test ends, then closes the server (see Server.Close). It
// returns the address listened on. Any error fails the test.
func Serve(t TB, addr string, handle Handler) net.Addr {
	t.Helper()
	ln, err := Listen(addr)
	if err != nil {
		t.Fatalf("%v", err)
	}
	s := Start(ln, handle)
	t.Cleanup(s.Close)
	return s.Addr()
}

// Hang reads and discards what comes and never answers, until the client
// or the server goes away.
func Hang(ctx context.Context, conn net.Conn) {
	buf := make([]byte, 4096)
	for {
		if _, err := conn.Read(buf); err != nil {
			return
		}
	}
}

// Drip returns a handler that writes b one byte every interval, b over
// and over, until the client or the server goes away: an answer that
// never ends.
func Drip(b []byte, interval time.Duration) Handler {
	return func(ctx context.Context, conn net.Conn) {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			conn.SetWriteDeadline(time.Now().Add(time.Second))
			if _, err := conn.Write([]byte{b[i%len(b)]}); err != nil {
				return
			}
		}
	}
}
