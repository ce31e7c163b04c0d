package pageprobe

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/pdf"
	"vigie.eu/vigie/internal/tlstest"
)

// pages are the lab pages of the browser test, by host; every name is
// answered with 127.0.0.1, where one TLS server signed by a test CA
// serves them all, third parties under their real names included.
func serveLab(t *testing.T) (port int, caPEM []byte) {
	t.Helper()
	ca := tlstest.NewCA(t, "pageprobe")
	names := []string{"commune.test", "www.commune.test", "tag.commune.test", "hang.commune.test",
		"big.commune.test", "crash.commune.test", "www.googletagmanager.com", "www.google-analytics.com"}
	cert := ca.Issue(t, tlstest.CertOptions{DNSNames: names})
	caPEM = ca.RootPEM()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ps := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	hang := make(chan struct{})
	var closeHang sync.Once
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.Host)
		html := func(s string) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, s)
		}
		switch host + r.URL.Path {
		case "www.commune.test/":
			html(`<!DOCTYPE html><html><head><title>Mairie</title></head><body><h1>Bienvenue</h1><p>Horaires</p><img src="/logo.png" alt=""></body></html>`)
		case "www.commune.test/logo.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(make([]byte, 2000))
		case "tag.commune.test/":
			w.Header().Set("Set-Cookie", "mairie=1; Path=/; Secure; HttpOnly")
			html(`<!DOCTYPE html><html><head><title>Mairie</title>
<script async src="https://www.googletagmanager.com:` + ps + `/gtm.js?id=GTM-LAB"></script></head><body><p>Accueil</p></body></html>`)
		case "www.googletagmanager.com/gtm.js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, `var s = document.createElement('script'); s.src = 'https://www.google-analytics.com:`+ps+`/analytics.js'; document.head.appendChild(s); localStorage.setItem('gtm_seen', '1');`)
		case "www.google-analytics.com/analytics.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Header().Set("Set-Cookie", "_ga=GA1.1.42; Domain=google-analytics.com; Path=/; Max-Age=63072000; Secure; SameSite=None")
			fmt.Fprint(w, `console.error('ga loaded');`)
		case "hang.commune.test/":
			html(`<!DOCTYPE html><html><body><img src="/never"></body></html>`)
		case "hang.commune.test/never":
			select {
			case <-hang:
			case <-r.Context().Done():
			}
		case "big.commune.test/":
			html(`<!DOCTYPE html><html><body><script src="/big.js"></script></body></html>`)
		case "big.commune.test/big.js":
			w.Header().Set("Content-Type", "text/javascript")
			buf := []byte(strings.Repeat(" ", 1<<20))
			for range 50 {
				if _, err := w.Write(buf); err != nil {
					return
				}
			}
		case "crash.commune.test/":
			html(`<!DOCTYPE html><html><body><script>const a = []; for (;;) { a.push(new Array(1e6).fill(Math.random())); }</script></body></html>`)
		default:
			http.NotFound(w, r)
		}
	}), TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert.TLS(false)}}}
	go srv.ServeTLS(ln, "", "")
	t.Cleanup(func() {
		closeHang.Do(func() { close(hang) })
		srv.Close()
	})
	return ln.Addr().(*net.TCPAddr).Port, caPEM
}

func loopbackLookup(context.Context, string) ([]netip.Addr, error) {
	return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
}

func TestBrowserLoad(t *testing.T) {
	if _, err := pdf.Browser(); err != nil {
		t.Fatal("chromium is not installed (apt-get install chromium; .ci/setup does): ", err)
	}
	port, caPEM := serveLab(t)
	ctx := context.Background()
	b, err := StartBrowser(ctx, BrowserConfig{Parallel: 2, CAPEM: caPEM})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	load := func(t *testing.T, host string, timeout time.Duration, maxBytes int64) (*audit.PageObservation, *guard.Guard) {
		g := guard.ForLab()
		cfg := LoadConfig{Domain: "commune.test", Guard: g, Lookup: loopbackLookup, Ports: []int{port},
			Timeout: timeout, MaxBytes: maxBytes}
		return b.Load(ctx, cfg, "https://"+host+":"+strconv.Itoa(port)+"/"), g
	}

	t.Run("clean", func(t *testing.T) {
		p, g := load(t, "www.commune.test", 0, 0)
		if p.Error != "" {
			t.Fatalf("error %s: %s", p.ErrorCode, p.Error)
		}
		if p.Method != audit.PageBrowser {
			t.Errorf("method %q", p.Method)
		}
		// html, head, title, body, h1, p, img.
		if p.DOMElements != 7 {
			t.Errorf("DOM elements %d, want 7", p.DOMElements)
		}
		// The page, its image and the favicon a browser asks for.
		if p.RequestCount != 3 || len(p.Requests) != 3 {
			t.Fatalf("requests %d: %+v", p.RequestCount, p.Requests)
		}
		if r := p.Requests[1]; r.Type != "image" || r.Status != 200 || r.DecodedBytes != 2000 || r.Party != "first" || r.Initiator != "parser" {
			t.Errorf("image request %+v", r)
		}
		if p.TransferBytes < 2000 {
			t.Errorf("transfer %d bytes, want at least the image's 2000", p.TransferBytes)
		}
		if len(p.ThirdParties) != 0 || len(p.Cookies) != 0 {
			t.Errorf("third parties %+v, cookies %+v", p.ThirdParties, p.Cookies)
		}
		if len(g.Connections()) == 0 {
			t.Error("no connection counted by the guard: the browser did not go through the proxy")
		}
	})

	t.Run("tag manager", func(t *testing.T) {
		p, _ := load(t, "tag.commune.test", 0, 0)
		if p.Error != "" {
			t.Fatalf("error %s: %s", p.ErrorCode, p.Error)
		}
		var hosts []string
		for _, r := range p.Requests {
			hosts = append(hosts, r.Host+":"+r.Entity+":"+r.Initiator)
		}
		for _, want := range []string{"www.googletagmanager.com:google-tag-manager:parser", "www.google-analytics.com:google-analytics:script"} {
			if !slices.Contains(hosts, want) {
				t.Errorf("requests %v lack %s", hosts, want)
			}
		}
		// Two years asked, 400 days kept: Chromium caps lifetimes
		// (RFC 6265bis, section 5.5).
		i := slices.IndexFunc(p.Cookies, func(c audit.PageCookie) bool { return c.Name == "_ga" })
		if i < 0 {
			t.Fatalf("no _ga cookie: %+v", p.Cookies)
		}
		if c := p.Cookies[i]; c.Party != "third" || c.Entity != "google-analytics" || c.LifetimeDays != 400 || !c.Secure || c.SameSite != "None" {
			t.Errorf("cookie %+v", c)
		}
		if !slices.Contains(p.Storage, audit.PageStorage{Area: "local", Key: "gtm_seen"}) {
			t.Errorf("storage %+v", p.Storage)
		}
		if tp := p.Party("google-analytics"); tp == nil || tp.Country != "US" || tp.FirstParty {
			t.Errorf("third party %+v", tp)
		}
		if !slices.ContainsFunc(p.ConsoleErrors, func(s string) bool { return strings.Contains(s, "ga loaded") }) {
			t.Errorf("console errors %q", p.ConsoleErrors)
		}
	})

	t.Run("refused", func(t *testing.T) {
		// Without the lab's ranges, the guard refuses 127.0.0.1: the
		// browser reaches nothing.
		g := guard.New(nil)
		cfg := LoadConfig{Domain: "commune.test", Guard: g, Lookup: loopbackLookup, Ports: []int{port}}
		p := b.Load(ctx, cfg, "https://www.commune.test:"+strconv.Itoa(port)+"/")
		if p.ErrorCode != "navigation" || len(g.Refusals()) == 0 {
			t.Errorf("error %q %q, refusals %v", p.ErrorCode, p.Error, g.Refusals())
		}
	})

	t.Run("hang", func(t *testing.T) {
		p, _ := load(t, "hang.commune.test", 3*time.Second, 0)
		if p.ErrorCode != "timeout" {
			t.Errorf("error %q %q, want timeout", p.ErrorCode, p.Error)
		}
		if p.DOMElements == 0 {
			t.Errorf("the DOM of a page cut short is still read: %+v", p)
		}
	})

	t.Run("50 MB", func(t *testing.T) {
		p, _ := load(t, "big.commune.test", 0, 4<<20)
		if p.ErrorCode != "too_large" {
			t.Errorf("error %q %q, want too_large", p.ErrorCode, p.Error)
		}
		if p.TransferBytes < 4<<20 || p.TransferBytes > 8<<20 {
			t.Errorf("transfer %d bytes", p.TransferBytes)
		}
	})

	t.Run("crash", func(t *testing.T) {
		p, _ := load(t, "crash.commune.test", time.Minute, 0)
		if p.ErrorCode != "crash" {
			t.Errorf("error %q %q, want crash", p.ErrorCode, p.Error)
		}
		// The browser lives on: the next page loads.
		p, _ = load(t, "www.commune.test", 0, 0)
		if p.Error != "" {
			t.Errorf("after a crash: %s", p.Error)
		}
	})
}
