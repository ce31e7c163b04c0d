package httpprobe

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/guard"
)

// lookup sends example.test and its subdomains to 127.0.0.1 and knows no
// other name, so that no test can reach beyond loopback.
func lookup(_ context.Context, host string) ([]netip.Addr, error) {
	if host == "example.test" || strings.HasSuffix(host, ".example.test") {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	return nil, fmt.Errorf("lookup %s: no such host", host)
}

// testCert returns a self-signed certificate for example.test and
// *.example.test, and a pool that trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "example.test"},
		DNSNames:              []string{"example.test", "*.example.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// newTLSServer starts an HTTPS server for *.example.test on 127.0.0.1 and
// returns it with the pool that trusts its certificate.
func newTLSServer(t *testing.T, h http.Handler) (*httptest.Server, *x509.CertPool) {
	t.Helper()
	cert, pool := testCert(t)
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake failures are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, pool
}

// port returns the port of a test server.
func port(srv *httptest.Server) string {
	_, p, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return p
}

// portNum is srv's port as a number.
func portNum(srv *httptest.Server) int {
	n, _ := strconv.Atoi(port(srv))
	return n
}

// rawServer starts a TCP server on 127.0.0.1 that hands each connection to
// serve, for servers that do not speak HTTP properly. Connections are
// closed, and serve's goroutines waited for, when the test ends.
func rawServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { serve(c) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	return p
}

// drainRequest reads the request headers so that the client's write does
// not block.
func drainRequest(c net.Conn) {
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil || line == "\r\n" {
			return
		}
	}
}

// stable keeps the parts of a response that do not depend on the run.
func stable(r audit.HTTPResponse) audit.HTTPResponse {
	r.Headers = nil
	return r
}

func TestRedirectHTTPToHTTPS(t *testing.T) {
	tlsSrv, pool := newTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=63072000")
		w.Header().Add("Set-Cookie", "sid=secret123; Path=/; Secure; HttpOnly; SameSite=lax")
		io.WriteString(w, "<p>bonjour</p>")
	}))
	httpsURL := "https://www.example.test:" + port(tlsSrv) + "/"
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Host, "example.test:") {
			t.Errorf("Host = %q, want example.test:PORT", r.Host)
		}
		http.Redirect(w, r, httpsURL, http.StatusMovedPermanently)
	}))
	t.Cleanup(plain.Close)
	start := "http://example.test:" + port(plain) + "/"

	cfg := Config{Lookup: lookup, Guard: guard.ForLab(), Roots: pool, UserAgent: "vigie-test", RedirectPorts: []int{portNum(tlsSrv)}}
	obs := Probe(t.Context(), cfg, start)

	want := &audit.HTTPObservation{
		URL: start,
		Responses: []audit.HTTPResponse{
			{URL: start, Status: 301, Location: httpsURL},
			{URL: httpsURL, Status: 200, TLSVersion: "TLS 1.3", Cookies: []audit.Cookie{{
				Name: "sid", Path: "/", Secure: true, HttpOnly: true, SameSite: "Lax",
				Raw: "sid=…; Path=/; Secure; HttpOnly; SameSite=lax",
			}}},
		},
		Body: "<p>bonjour</p>",
	}
	got := *obs
	got.Responses = nil
	for _, r := range obs.Responses {
		got.Responses = append(got.Responses, stable(r))
	}
	if diff := cmp.Diff(want, &got); diff != "" {
		t.Errorf("Probe(%s) (-want +got):\n%s", start, diff)
	}
	final := obs.Final()
	if got, want := final.Headers["Strict-Transport-Security"], []string{"max-age=63072000"}; !cmp.Equal(got, want) {
		t.Errorf("final Strict-Transport-Security = %q, want %q", got, want)
	}
	if v, ok := final.Headers["Set-Cookie"]; ok {
		t.Errorf("Set-Cookie kept in headers with its value: %q", v)
	}
	if strings.Contains(fmt.Sprint(obs), "secret123") {
		t.Errorf("cookie value leaked into the observation: %+v", obs)
	}
}

func TestRedirects(t *testing.T) {
	srv, pool := newTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case p == "/a":
			http.Redirect(w, r, "/b", http.StatusFound)
		case p == "/b":
			http.Redirect(w, r, "/a", http.StatusFound)
		case strings.HasPrefix(p, "/n/"):
			// An endless chain of new URLs.
			w.Header().Set("Location", p+"x")
			w.WriteHeader(http.StatusTemporaryRedirect)
		case p == "/rel/dir/page":
			w.Header().Set("Location", "../other?q=1")
			w.WriteHeader(http.StatusSeeOther)
		case p == "/rel/other":
			io.WriteString(w, "other")
		case p == "/ftp":
			w.Header().Set("Location", "ftp://example.test/file")
			w.WriteHeader(http.StatusMovedPermanently)
		case p == "/bad":
			w.Header().Set("Location", "http://[::1")
			w.WriteHeader(http.StatusMovedPermanently)
		case p == "/noloc":
			w.WriteHeader(http.StatusFound)
			io.WriteString(w, "no location")
		default:
			http.NotFound(w, r)
		}
	}))
	base := "https://example.test:" + port(srv)
	cfg := Config{Lookup: lookup, Guard: guard.ForLab(), Roots: pool, MaxRedirects: 3}
	tests := []struct {
		path      string
		wantURLs  []string
		wantError string
		wantBody  string
	}{
		{"/a", []string{"/a", "/b"}, "httpprobe: redirect loop: " + base + "/b redirects to " + base + "/a, already visited", ""},
		{"/n/", []string{"/n/", "/n/x", "/n/xx", "/n/xxx"}, "httpprobe: too many redirects (3)", ""},
		{"/rel/dir/page", []string{"/rel/dir/page", "/rel/other?q=1"}, "", "other"},
		{"/ftp", []string{"/ftp"}, "httpprobe: " + base + "/ftp redirects to unsupported scheme \"ftp\"", ""},
		{"/bad", []string{"/bad"}, "httpprobe: " + base + "/bad: invalid Location \"http://[::1\": parse \"http://[::1\": missing ']' in host", ""},
		{"/noloc", []string{"/noloc"}, "", "no location"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			obs := Probe(t.Context(), cfg, base+tt.path)
			var gotURLs []string
			for _, r := range obs.Responses {
				gotURLs = append(gotURLs, strings.TrimPrefix(r.URL, base))
			}
			if diff := cmp.Diff(tt.wantURLs, gotURLs); diff != "" {
				t.Errorf("chain (-want +got):\n%s", diff)
			}
			if obs.Error != tt.wantError {
				t.Errorf("Error = %q, want %q", obs.Error, tt.wantError)
			}
			if obs.Body != tt.wantBody {
				t.Errorf("Body = %q, want %q", obs.Body, tt.wantBody)
			}
		})
	}
}

func TestBadServers(t *testing.T) {
	hanging := rawServer(t, func(c net.Conn) {
		io.Copy(io.Discard, c) // accepts, reads, never answers
	})
	dripHeaders := rawServer(t, func(c net.Conn) {
		drainRequest(c)
		io.WriteString(c, "HTTP/1.1 200 OK\r\n")
		for {
			if _, err := io.WriteString(c, "X"); err != nil {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	hugeHeader := rawServer(t, func(c net.Conn) {
		drainRequest(c)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Big: ")
		chunk := strings.Repeat("a", 4096)
		for range 1024 { // 4 MiB, far over the cap
			if _, err := io.WriteString(c, chunk); err != nil {
				return
			}
		}
	})
	garbage := rawServer(t, func(c net.Conn) {
		drainRequest(c)
		c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n\x00\x01\x02\xff"))
		c.Close()
	})
	refusedLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, refused, _ := net.SplitHostPort(refusedLn.Addr().String())
	refusedLn.Close()

	cfg := Config{Lookup: lookup, Guard: guard.ForLab(), Timeout: 300 * time.Millisecond}
	tests := []struct {
		name, url, wantError string
	}{
		{"hanging", "http://example.test:" + hanging + "/", "timeout after 300ms"},
		{"drip headers", "http://example.test:" + dripHeaders + "/", "timeout after 300ms"},
		{"huge header", "http://example.test:" + hugeHeader + "/", "server response headers exceeded 65536 bytes"},
		{"garbage", "http://example.test:" + garbage + "/", "malformed HTTP"},
		{"refused", "http://example.test:" + refused + "/", "connection refused"},
		{"unknown host", "http://nowhere.invalid/", "no such host"},
		{"not http", "ftp://example.test/", "not an http or https URL"},
		{"no host", "http:///path", "no host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs := Probe(t.Context(), cfg, tt.url)
			if !strings.Contains(obs.Error, tt.wantError) || !strings.HasPrefix(obs.Error, "httpprobe: ") {
				t.Errorf("Error = %q, want httpprobe: ...%s...", obs.Error, tt.wantError)
			}
			if f := obs.Final(); f != nil && f.Status != 0 {
				t.Errorf("final status %d, want none", f.Status)
			}
		})
	}
}

func TestBodies(t *testing.T) {
	srv, pool := newTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/endless":
			chunk := strings.Repeat("b", 4096)
			for {
				if _, err := io.WriteString(w, chunk); err != nil {
					return
				}
			}
		case "/drip":
			w.Header().Set("Content-Length", "1000")
			io.WriteString(w, "start")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		case "/gzip":
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			io.WriteString(zw, strings.Repeat("z", 5000))
			zw.Close()
		}
	}))
	base := "https://www.example.test:" + port(srv)
	cfg := Config{Lookup: lookup, Guard: guard.ForLab(), Roots: pool, MaxBody: 1000, MaxScan: 64 << 10, Timeout: 300 * time.Millisecond}
	tests := []struct {
		path          string
		wantBody      string
		wantTruncated bool
		wantBodyError string
	}{
		{"/endless", strings.Repeat("b", 1000), true, ""},
		{"/drip", "start", false, "httpprobe: timeout after 300ms"},
		{"/gzip", strings.Repeat("z", 1000), true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			obs := Probe(t.Context(), cfg, base+tt.path)
			if obs.Error != "" {
				t.Fatalf("Error = %q", obs.Error)
			}
			if obs.Body != tt.wantBody || obs.BodyTruncated != tt.wantTruncated || obs.BodyError != tt.wantBodyError {
				t.Errorf("body %d bytes %.20q truncated %v error %q; want %d bytes %.20q truncated %v error %q",
					len(obs.Body), obs.Body, obs.BodyTruncated, obs.BodyError,
					len(tt.wantBody), tt.wantBody, tt.wantTruncated, tt.wantBodyError)
			}
		})
	}
}

// TestLateTags checks that the tags of a page longer than MaxBody are
// kept up to MaxScan, and that the scan's end is said.
func TestLateTags(t *testing.T) {
	padding := strings.Repeat("<p>padding</p>\n", 200) // 3,000 bytes
	late := `<script src="http://cdn.example.test/late.js"></script><noscript><img src="http://cdn.example.test/n.png"></noscript>`
	srv, pool := newTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			io.WriteString(w, "<html><body>"+padding+late+"</body></html>")
		case "/endless":
			for {
				if _, err := io.WriteString(w, padding); err != nil {
					return
				}
			}
		case "/stall":
			io.WriteString(w, padding+`<img src="/seen.png">`)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}
	}))
	base := "https://www.example.test:" + port(srv)
	cfg := Config{Lookup: lookup, Guard: guard.ForLab(), Roots: pool, MaxBody: 1000, MaxScan: 20000, Timeout: 500 * time.Millisecond}

	obs := Probe(t.Context(), cfg, base+"/big")
	if !obs.BodyTruncated || len(obs.Body) != 1000 || obs.LateTruncated || obs.LateError != "" {
		t.Fatalf("/big: body %d truncated %v, late truncated %v error %q", len(obs.Body), obs.BodyTruncated, obs.LateTruncated, obs.LateError)
	}
	var scripts, noscript []string
	for _, el := range obs.Elements() {
		if el.Tag == "script" {
			scripts = append(scripts, el.Attrs["src"])
		}
	}
	for _, el := range obs.LateNoscript {
		noscript = append(noscript, el.Tag+" "+el.Attrs["src"])
	}
	if fmt.Sprint(scripts) != "[http://cdn.example.test/late.js]" || fmt.Sprint(noscript) != "[img http://cdn.example.test/n.png]" {
		t.Errorf("/big: scripts %v, noscript %v; want the late script and the <noscript> image", scripts, noscript)
	}
	if n := len(obs.LateElements); n != 1 {
		t.Errorf("/big: %d late tags %v, want the script only (no <p>)", n, obs.LateElements)
	}

	obs = Probe(t.Context(), cfg, base+"/endless")
	if !obs.LateTruncated || obs.LateError != "" || len(obs.Body) != 1000 {
		t.Errorf("/endless: late truncated %v error %q body %d; want truncated at MaxScan", obs.LateTruncated, obs.LateError, len(obs.Body))
	}

	obs = Probe(t.Context(), cfg, base+"/stall")
	if len(obs.Body) != 1000 || obs.BodyError != "" || !strings.Contains(obs.LateError, "timeout") {
		t.Errorf("/stall: body %d error %q, late error %q; want the body kept and the scan's timeout said", len(obs.Body), obs.BodyError, obs.LateError)
	}
	if len(obs.LateElements) == 0 {
		t.Error("/stall: the tags read before the timeout are lost")
	}
}

func TestUnknownCA(t *testing.T) {
	srv, _ := newTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Frame-Options", "DENY")
		io.WriteString(w, "hello")
	}))
	start := "https://www.example.test:" + port(srv) + "/"
	obs := Probe(t.Context(), Config{Lookup: lookup, Guard: guard.ForLab(), Roots: x509.NewCertPool()}, start)
	if obs.Error != "" {
		t.Fatalf("Error = %q, want the response fetched without verification", obs.Error)
	}
	want := []audit.HTTPResponse{{
		URL: start, Status: 200, TLSVersion: "TLS 1.3",
		TLSUnverified: true, TLSError: "x509: certificate signed by unknown authority",
		Headers: map[string][]string{"X-Frame-Options": {"DENY"}},
	}}
	if diff := cmp.Diff(want, obs.Responses, cmpopts.IgnoreMapEntries(func(k string, _ []string) bool {
		return k != "X-Frame-Options"
	})); diff != "" {
		t.Errorf("responses (-want +got):\n%s", diff)
	}
	if obs.Body != "hello" {
		t.Errorf("Body = %q, want hello", obs.Body)
	}
}

func TestCanceled(t *testing.T) {
	srv, pool := newTLSServer(t, http.NotFoundHandler())
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	obs := Probe(ctx, Config{Lookup: lookup, Guard: guard.ForLab(), Roots: pool}, "https://example.test:"+port(srv)+"/")
	if !strings.Contains(obs.Error, "context canceled") {
		t.Errorf("Error = %q, want context canceled", obs.Error)
	}
}

func TestProbeSecurityTxt(t *testing.T) {
	const file = "Contact: mailto:security@example.test\nExpires: 2030-01-01T00:00:00Z\n"
	srv, pool := newTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Host[:strings.IndexByte(r.Host, ':')] {
		case "example.test":
			switch r.URL.Path {
			case "/.well-known/security.txt":
				http.Redirect(w, r, "/security.txt", http.StatusMovedPermanently)
			case "/security.txt":
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				io.WriteString(w, file)
			}
		case "other.example.test":
			http.Redirect(w, r, "https://example.test"+r.URL.Path, http.StatusFound)
		case "loop.example.test":
			http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
		case "big.example.test":
			io.WriteString(w, strings.Repeat("#", 100<<10))
		default:
			http.NotFound(w, r)
		}
	}))
	p := port(srv)
	cfg := Config{Lookup: lookup, Guard: guard.ForLab(), Roots: pool}
	tests := []struct {
		host string
		want audit.SecurityTxtObservation
	}{
		{"example.test:" + p, audit.SecurityTxtObservation{
			URL: "https://example.test:" + p + "/security.txt", Status: 200,
			ContentType: "text/plain; charset=utf-8", Body: file,
		}},
		{"other.example.test:" + p, audit.SecurityTxtObservation{
			URL: "https://other.example.test:" + p + "/.well-known/security.txt", Status: 302,
			Error: "httpprobe: https://other.example.test:" + p + "/.well-known/security.txt redirects to https://example.test/.well-known/security.txt, another origin",
		}},
		{"loop.example.test:" + p, audit.SecurityTxtObservation{
			URL: "https://loop.example.test:" + p + "/.well-known/security.txtxxx", Status: 302,
			Error: "httpprobe: too many redirects (3)",
		}},
		{"big.example.test:" + p, audit.SecurityTxtObservation{
			URL: "https://big.example.test:" + p + "/.well-known/security.txt", Status: 200,
			ContentType: "text/plain; charset=utf-8", Body: strings.Repeat("#", 64<<10),
		}},
		{"nothing.example.test:" + p, audit.SecurityTxtObservation{
			URL: "https://nothing.example.test:" + p + "/.well-known/security.txt", Status: 404,
			ContentType: "text/plain; charset=utf-8", Body: "404 page not found\n",
		}},
		{"a/b", audit.SecurityTxtObservation{
			URL: "https://a%2Fb/.well-known/security.txt", Error: `httpprobe: invalid host "a/b"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			got := ProbeSecurityTxt(t.Context(), cfg, tt.host)
			if diff := cmp.Diff(&tt.want, got); diff != "" {
				t.Errorf("ProbeSecurityTxt(%s) (-want +got):\n%s", tt.host, diff)
			}
		})
	}
}

func TestChainBrokenMidway(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, refused, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	dead := "http://www.example.test:" + refused + "/"
	srv, pool := newTLSServer(t, http.RedirectHandler(dead, http.StatusMovedPermanently))
	start := "https://example.test:" + port(srv) + "/"
	refusedPort, _ := strconv.Atoi(refused)
	obs := Probe(t.Context(), Config{Lookup: lookup, Guard: guard.ForLab(), Roots: pool, RedirectPorts: []int{refusedPort}}, start)
	if len(obs.Responses) != 2 {
		t.Fatalf("got %d responses, want 2: %+v", len(obs.Responses), obs.Responses)
	}
	first, last := obs.Responses[0], obs.Responses[1]
	if first.Status != 301 || first.Location != dead {
		t.Errorf("first response %d to %q, want 301 to %q", first.Status, first.Location, dead)
	}
	if last.URL != dead || last.Status != 0 || !strings.Contains(last.Error, "connection refused") {
		t.Errorf("last response %+v, want %s refused", last, dead)
	}
	if want := "httpprobe: GET " + dead + ": " + last.Error; obs.Error != want {
		t.Errorf("Error = %q, want %q", obs.Error, want)
	}
}

// TestSharedConnections: probes given the same Connections reuse one TLS
// session, and each keeps its own cookies; probes without open their own.
func TestSharedConnections(t *testing.T) {
	var sessions atomic.Int32
	cert, pool := testCert(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie("seen"); err == nil {
			w.Header().Set("X-Seen", "yes")
		}
		w.Header().Add("Set-Cookie", "seen=1; Path=/; Secure; HttpOnly; SameSite=Lax")
		io.WriteString(w, "ok")
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			sessions.Add(1)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	u := "https://example.test:" + port(srv) + "/"
	cfg := Config{Lookup: lookup, Guard: guard.ForLab(), Roots: pool}
	cfg.Connections = NewConnections(cfg)
	for range 3 {
		obs := Probe(t.Context(), cfg, u)
		if f := obs.Final(); f == nil || f.Status != 200 || f.Headers["X-Seen"] != nil {
			t.Fatalf("shared: %+v; want 200 without the cookie of another probe", obs)
		}
	}
	cfg.Connections.Close()
	if n := sessions.Load(); n != 1 {
		t.Errorf("three probes with shared connections opened %d connections, want 1", n)
	}
	sessions.Store(0)
	cfg.Connections = nil
	for range 2 {
		Probe(t.Context(), cfg, u)
	}
	if n := sessions.Load(); n != 2 {
		t.Errorf("two probes with connections of their own opened %d connections, want 2", n)
	}
}
