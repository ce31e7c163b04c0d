package pageprobe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/probe"
)

// proxy is the HTTP proxy of one page load, on loopback: the browser
// reaches everything through it (CONNECT for https://, absolute URIs for
// http://), so that every connection is dialled by vigie through the
// address guard, every name is resolved by vigie's resolver, and every
// byte received is counted against the load's limit. The browser itself
// resolves nothing (--host-resolver-rules).
type proxy struct {
	ln     net.Listener
	guard  *guard.Guard
	lookup probe.LookupFunc
	ports  []int
	limit  int64 // bytes received from servers, at most
	over   func()

	received atomic.Int64

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// startProxy listens on 127.0.0.1 at a free port; over is called once
// when the bytes received pass limit.
func startProxy(g *guard.Guard, lookup probe.LookupFunc, ports []int, limit int64, over func()) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("pageprobe: proxy: %w", err)
	}
	if lookup == nil {
		lookup = probe.SystemLookup
	}
	var once sync.Once
	p := &proxy{ln: ln, guard: g, lookup: lookup, ports: ports, limit: limit,
		over: func() { once.Do(over) }, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Addr is the proxy's address, "127.0.0.1:PORT".
func (p *proxy) Addr() string { return p.ln.Addr().String() }

// Received is the bytes received from servers so far.
func (p *proxy) Received() int64 { return p.received.Load() }

// Close stops the proxy and closes every connection it holds; it
// returns once every goroutine of the proxy has ended.
func (p *proxy) Close() {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.ln.Close()
	p.wg.Wait()
}

// track adds c to the connections Close closes; false when closed.
func (p *proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			continue
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer p.untrack(c)
			p.handle(c)
		}()
	}
}

// handle serves the requests of one browser connection.
func (p *proxy) handle(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		c.SetReadDeadline(time.Time{})
		if req.Method == http.MethodConnect {
			p.connect(c, br, req)
			return
		}
		if !p.forward(c, req) {
			return
		}
	}
}

// dial connects to host:port through the guard, resolving host with
// vigie's resolver; only the load's ports may be reached.
func (p *proxy) dial(ctx context.Context, hostport string) (net.Conn, error) {
	host, ps, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port <= 0 || port > 65535 {
		return nil, fmt.Errorf("pageprobe: bad port %q", ps)
	}
	if !slices.Contains(p.ports, port) {
		return nil, p.guard.Refuse(hostport, guard.BadPort)
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		addrs = []netip.Addr{a}
	} else {
		if err := p.guard.Policy().CheckName(host); err != nil {
			return nil, p.guard.Refuse(hostport, guard.SpecialName)
		}
		addrs, err = p.lookup(ctx, host)
		if err != nil {
			return nil, err
		}
	}
	var errs []error
	for _, a := range addrs {
		ap := netip.AddrPortFrom(a.Unmap(), uint16(port))
		c, err := p.guard.DialIP(ctx, p.guard.Dialer(), "tcp", ap)
		if err == nil {
			if !p.track(c) {
				return nil, net.ErrClosed
			}
			return &countingConn{Conn: c, p: p}, nil
		}
		errs = append(errs, err)
		var re *guard.RefusedError
		if errors.As(err, &re) {
			continue
		}
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("pageprobe: %s: no address", host)
	}
	return nil, errors.Join(errs...)
}

// connect tunnels a CONNECT request (https://, wss://).
func (p *proxy) connect(c net.Conn, br *bufio.Reader, req *http.Request) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	up, err := p.dial(ctx, req.Host)
	cancel()
	if err != nil {
		io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	defer up.Close()
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		// What the browser had sent past the request, then the rest.
		if n := br.Buffered(); n > 0 {
			b, _ := br.Peek(n)
			up.Write(b)
		}
		io.Copy(up, c)
		if cw, ok := up.(*countingConn).Conn.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		} else {
			up.Close()
		}
		close(done)
	}()
	io.Copy(c, up)
	c.Close()
	up.Close()
	<-done
}

// Close closes the connection and forgets it.
func (c *countingConn) Close() error {
	c.p.untrack(c.Conn)
	return nil
}

// hopHeaders are not forwarded (RFC 9110 section 7.6.1).
var hopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// forward sends one plain-HTTP request on a connection of its own and
// writes the answer back; it reports whether the browser's connection
// may serve another request.
func (p *proxy) forward(c net.Conn, req *http.Request) bool {
	if req.URL.Scheme != "http" || req.URL.Host == "" {
		io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return false
	}
	hostport := req.URL.Host
	if req.URL.Port() == "" {
		hostport = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	for _, h := range hopHeaders {
		req.Header.Del(h)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tr := &http.Transport{
		DialContext:            func(ctx context.Context, _, _ string) (net.Conn, error) { return p.dial(ctx, hostport) },
		DisableKeepAlives:      true,
		DisableCompression:     true,
		ResponseHeaderTimeout:  15 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	defer tr.CloseIdleConnections()
	out := req.Clone(ctx)
	out.RequestURI = ""
	resp, err := tr.RoundTrip(out)
	if err != nil {
		io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return false
	}
	defer resp.Body.Close()
	for _, h := range hopHeaders {
		resp.Header.Del(h)
	}
	resp.Close = true
	resp.Write(c)
	return false
}

// countingConn counts what a server sends against the proxy's limit.
type countingConn struct {
	net.Conn
	p *proxy
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 && c.p.received.Add(int64(n)) > c.p.limit && c.p.limit > 0 {
		c.p.over()
		return n, errors.New("pageprobe: size limit")
	}
	return n, err
}
