// Package tcptest runs TCP servers on loopback for tests: the plumbing that
// the protocol fakes (tlstest, smtptest) share. It knows nothing of any
// protocol.
package tcptest

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"testing"
)

// Serve listens on addr, a loopback "ip:port" ("" means a random port of
// 127.0.0.1), and runs handle for each connection in its own goroutine
// until the test ends. A connection is closed when its handler returns or
// when the test ends; then Serve's cleanup closes the listener and every
// connection, and waits for the handlers. It returns the address listened
// on. Any address off loopback fails the test: tests never listen beyond
// this machine.
func Serve(t testing.TB, addr string, handle func(ctx context.Context, conn net.Conn)) net.Addr {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if ap, err := netip.ParseAddrPort(addr); err != nil || !ap.Addr().IsLoopback() {
		t.Fatalf("tcptest: %q is not a loopback address and port", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("tcptest: listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[net.Conn]bool{}
	)
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[conn] = true
			mu.Unlock()
			wg.Go(func() {
				defer func() {
					conn.Close()
					mu.Lock()
					delete(conns, conn)
					mu.Unlock()
				}()
				stop := context.AfterFunc(ctx, func() { conn.Close() })
				defer stop()
				handle(ctx, conn)
			})
		}
	})
	t.Cleanup(func() {
		cancel()
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr()
}
