package web

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/dnstest"
	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/engine/enginetest"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/ondemand"
	"vigie.eu/vigie/internal/store"
	"vigie.eu/vigie/internal/target"
	"vigie.eu/vigie/internal/tcptest"
)

// onDemandServer returns a server taking on-demand requests into a
// queue that audits with a, over the fixture's store opened for writing.
func onDemandServer(t *testing.T, cfg ondemand.Config, a ondemand.Auditor) (*Server, *ondemand.Queue) {
	t.Helper()
	_, path := fixture(t)
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	q := ondemand.New(cfg, st, a)
	ctx, cancel := context.WithCancel(context.Background())
	wait := q.Start(ctx)
	t.Cleanup(func() { cancel(); wait() })
	s, err := New(st, Options{OnDemand: q, Now: func() time.Time { return base.Add(30 * 24 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	return s, q
}

// post sends the home page's form for domain, from the site itself,
// from client's address.
func post(t *testing.T, s http.Handler, path, domain, client string, headers ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(url.Values{"domain": {domain}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://example.com") // httptest's Host
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.RemoteAddr = client + ":40000"
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	return w.Result()
}

// postJSON sends body to POST /api/v1/audits.
func postJSON(t *testing.T, s http.Handler, body, client string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/audits", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = client + ":40000"
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	return w.Result()
}

// follow loads the progress page at loc until it redirects elsewhere
// or shows an end, and returns the last response and its body.
func follow(t *testing.T, s http.Handler, loc string, lang string) (*http.Response, string) {
	t.Helper()
	for range 3000 {
		r := get(t, s, loc, "Accept-Language", lang)
		b := body(t, r)
		if r.StatusCode == http.StatusSeeOther {
			return r, b
		}
		if !strings.Contains(b, `http-equiv="refresh"`) {
			return r, b
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s: still in progress", loc)
	return nil, ""
}

// TestOnDemandGuard: a name that resolves into a refused range is
// refused through the public form, the page says why in French and in
// English, and no connection reaches the range.
func TestOnDemandGuard(t *testing.T) {
	// 127.200.0.0/16 stands for the operator's internal network: the
	// policy allows only 127.0.0.0/9 (where the lab's DNS server is
	// asked, which the guard does not govern).
	var conns atomic.Int64
	inside := tcptest.Serve(t, "127.200.0.1:0", func(ctx context.Context, c net.Conn) { conns.Add(1) })
	_, port, _ := net.SplitHostPort(inside.String())
	p, _ := strconv.Atoi(port)
	dnsSrv := dnstest.NewServer(t, `
		inside.test.     300 IN SOA ns.inside.test. h.inside.test. 1 7200 3600 1209600 300
		inside.test.     300 IN NS  ns.inside.test.
		ns.inside.test.  300 IN A   127.0.0.1
		inside.test.     300 IN A   127.200.0.1
		www.inside.test. 300 IN A   127.200.0.1
		inside.test.     300 IN MX  10 mx.inside.test.
		mx.inside.test.  300 IN A   127.200.0.1
	`)
	policy := guard.NewPolicy(netip.MustParsePrefix("127.0.0.0/9"))
	cfg := engine.Config{AddressPolicy: policy, Resolver: dnsSrv.Addr, Timeout: 5 * time.Second, HTTPPort: p, HTTPSPort: p, SMTPPort: p, Version: "test"}
	s, _ := onDemandServer(t, ondemand.Config{Policy: policy},
		func(ctx context.Context, tg target.Target) *audit.Result { return engine.Audit(ctx, cfg, tg) })

	r := post(t, s, "/ondemand", "inside.test", "198.51.100.1")
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/ondemand/request/") {
		t.Fatalf("form: status %d, Location %q; want 303 to the request's page", r.StatusCode, r.Header.Get("Location"))
	}
	loc := r.Header.Get("Location")
	for _, tc := range []struct{ lang, want, why string }{
		{"fr", "Audit refusé", "bouclage"},
		{"en", "Audit refused", "loopback"},
	} {
		end, b := follow(t, s, loc, tc.lang)
		if end.StatusCode != http.StatusOK || !strings.Contains(b, tc.want) || !strings.Contains(b, "127.200.0.1:") || !strings.Contains(b, tc.why) {
			t.Errorf("%s: status %d, want %q with the refused address and %q:\n%s", tc.lang, end.StatusCode, tc.want, tc.why, b)
		}
		if cc := end.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q", tc.lang, cc)
		}
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("%d connections reached the refused range", n)
	}
	// Nothing was stored: the audit never reached the domain.
	if _, err := s.st.LatestOnDemand(context.Background(), "inside.test", time.Time{}); err == nil {
		t.Error("a refused audit was stored")
	}
}

// TestOnDemandLab audits a lab domain through the form and lands on its
// permalink, which shows the audit without the operator's settings;
// the API then answers from the cool-down.
func TestOnDemandLab(t *testing.T) {
	lab := enginetest.NewLab(t)
	cfg := engine.Config{Resolver: lab.Resolver, Anchors: lab.Anchors, AnchorName: "file /srv/operator/anchor", Roots: lab.CA.Pool(), RootsName: "SSL_CERT_FILE=/srv/operator/ca.pem",
		Timeout: 20 * time.Second, HTTPPort: lab.HTTPPort, HTTPSPort: lab.HTTPSPort, SMTPPort: lab.SMTPPort, Version: "test", AddressPolicy: guard.LabPolicy()}
	s, _ := onDemandServer(t, ondemand.Config{Policy: cfg.AddressPolicy, Timeout: 30 * time.Second},
		func(ctx context.Context, tg target.Target) *audit.Result {
			r := engine.Audit(ctx, cfg, tg)
			r.Observations.AllowedPrivate = []string{"127.0.0.0/8"}
			return r
		})
	home := body(t, get(t, s, "/en/"))
	if !strings.Contains(home, `action="/en/ondemand" method="post"`) {
		t.Fatalf("home page: no on-demand form:\n%s", home)
	}
	r := post(t, s, "/en/ondemand", "https://example.test/", "198.51.100.2")
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("form: status %d", r.StatusCode)
	}
	progress := get(t, s, r.Header.Get("Location"))
	pb := body(t, progress)
	if !strings.Contains(pb, `<meta http-equiv="refresh" content="2">`) || progress.Header.Get("Cache-Control") != "no-store" || !strings.Contains(pb, "example.test") {
		t.Errorf("progress page: Cache-Control %q:\n%s", progress.Header.Get("Cache-Control"), pb)
	}
	end, _ := follow(t, s, r.Header.Get("Location"), "en")
	perm := end.Header.Get("Location")
	if end.StatusCode != http.StatusSeeOther || !strings.HasPrefix(perm, "/en/ondemand/") {
		t.Fatalf("end of the request: status %d, Location %q", end.StatusCode, perm)
	}
	page := get(t, s, perm)
	pageBody := body(t, page)
	if page.StatusCode != 200 || !strings.Contains(pageBody, "On-demand audit of") || !strings.Contains(pageBody, "http.hsts") {
		t.Errorf("permalink %s: status %d:\n%s", perm, page.StatusCode, pageBody)
	}
	fr := body(t, get(t, s, strings.Replace(perm, "/en/", "/fr/", 1)))
	if !strings.Contains(fr, "Audit à la demande du") {
		t.Errorf("permalink in French:\n%s", fr)
	}
	id := strings.TrimPrefix(perm, "/en/ondemand/")
	js := body(t, get(t, s, "/api/v1/ondemand/"+id))
	for _, leak := range []string{"/srv/operator", lab.Resolver, "allowed_private", "127.0.0.0/8"} {
		if strings.Contains(js+pageBody, leak) {
			t.Errorf("public result shows the operator's %q", leak)
		}
	}
	var res audit.Result
	if err := json.Unmarshal([]byte(js), &res); err != nil || res.Domain != "example.test" || res.Score == nil {
		t.Fatalf("API result: %v, %+v", err, res.Score)
	}

	// The cool-down: the API answers with the same audit, at once.
	a := postJSON(t, s, `{"domain": "EXAMPLE.test"}`, "198.51.100.3")
	var st requestJSON
	if err := json.Unmarshal([]byte(body(t, a)), &st); err != nil {
		t.Fatal(err)
	}
	if a.StatusCode != 200 || st.State != "done" || !st.Earlier || strconv.FormatInt(st.AuditID, 10) != id || st.PageURL != "/ondemand/"+id {
		t.Errorf("API within the cool-down: status %d, %+v; want audit %s", a.StatusCode, st, id)
	}
	if got := get(t, s, st.StatusURL); got.StatusCode != 200 {
		t.Errorf("status URL %s: %d", st.StatusURL, got.StatusCode)
	}
}

// blocked is an Auditor whose audits wait for the test's end.
func blocked(done <-chan struct{}) ondemand.Auditor {
	return func(ctx context.Context, tg target.Target) *audit.Result {
		select {
		case <-ctx.Done():
		case <-done:
		}
		return &audit.Result{Domain: tg.Domain, Error: "audit cancelled"}
	}
}

func TestOnDemandLimits(t *testing.T) {
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	s, q := onDemandServer(t, ondemand.Config{Parallel: 1, Queue: 1, Rate: 3}, blocked(done))

	// Queue full: one running, one waiting, the third is told to retry.
	for i, d := range []string{"a.example.fr", "b.example.fr"} {
		r := post(t, s, "/ondemand", d, "198.51.100.10")
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("request %d: status %d", i, r.StatusCode)
		}
		token := strings.TrimPrefix(r.Header.Get("Location"), "/ondemand/request/")
		for st, _ := q.Status(token); i == 0 && st.State != ondemand.Running; st, _ = q.Status(token) {
			time.Sleep(time.Millisecond) // until a runs
		}
	}
	busy := post(t, s, "/fr/ondemand", "c.example.fr", "198.51.100.11")
	b := body(t, busy)
	if busy.StatusCode != http.StatusServiceUnavailable || busy.Header.Get("Retry-After") == "" || !strings.Contains(b, "occupé") || !strings.Contains(b, `value="c.example.fr"`) {
		t.Errorf("queue full: status %d, Retry-After %q:\n%s", busy.StatusCode, busy.Header.Get("Retry-After"), b)
	}
	if r := postJSON(t, s, `{"domain":"c.example.fr"}`, "198.51.100.12"); r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" || !strings.Contains(body(t, r), `"busy"`) {
		t.Errorf("API, queue full: status %d", r.StatusCode)
	}
	// The waiting request's page says where it stands.
	r := post(t, s, "/en/ondemand", "b.example.fr", "198.51.100.13")
	if pb := body(t, get(t, s, r.Header.Get("Location"))); !strings.Contains(pb, "position 1 in the queue") {
		t.Errorf("waiting request's page:\n%s", pb)
	}

	// Rate limit: 198.51.100.10 has made 2 requests of its 3; one
	// more passes, whatever it asks, then 429.
	for i := range 1 {
		if r := post(t, s, "/ondemand", "b.example.fr", "198.51.100.10"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("request %d: %d", i, r.StatusCode)
		}
	}
	for _, tc := range []struct{ path, want string }{{"/fr/ondemand", "Trop de demandes"}, {"/en/ondemand", "Too many requests"}} {
		r := post(t, s, tc.path, "b.example.fr", "198.51.100.10")
		if b := body(t, r); r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || !strings.Contains(b, tc.want) {
			t.Errorf("%s over the rate: status %d, Retry-After %q:\n%s", tc.path, r.StatusCode, r.Header.Get("Retry-After"), b)
		}
	}
	// X-Forwarded-For is not believed without TrustProxy.
	if r := post(t, s, "/ondemand", "b.example.fr", "198.51.100.10", "X-Forwarded-For", "192.0.2.99"); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("X-Forwarded-For without TrustProxy: status %d, want 429", r.StatusCode)
	}
	s.opt.TrustProxy = true
	if r := post(t, s, "/ondemand", "b.example.fr", "198.51.100.10", "X-Forwarded-For", "10.9.9.9, 192.0.2.99"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("X-Forwarded-For with TrustProxy: status %d, want the proxy's client counted", r.StatusCode)
	}
	s.opt.TrustProxy = false

	// Invalid names, in both languages.
	for _, tc := range []struct{ path, want string }{{"/fr/ondemand", "suffixe public"}, {"/en/ondemand", "public suffix"}} {
		r := post(t, s, tc.path, "gouv.fr", "198.51.100.20")
		if b := body(t, r); r.StatusCode != http.StatusBadRequest || !strings.Contains(b, tc.want) {
			t.Errorf("%s gouv.fr: status %d:\n%s", tc.path, r.StatusCode, b)
		}
	}
	if r := postJSON(t, s, `{"domain":"intranet.local"}`, "198.51.100.21"); r.StatusCode != http.StatusBadRequest || !strings.Contains(body(t, r), "special-use") {
		t.Errorf("API, special-use name: status %d", r.StatusCode)
	}

	// Cross-site forms and bodies that are not JSON are refused.
	if r := post(t, s, "/ondemand", "d.example.fr", "198.51.100.30", "Sec-Fetch-Site", "cross-site"); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site form: status %d, want 403", r.StatusCode)
	}
	if r := post(t, s, "/ondemand", "d.example.fr", "198.51.100.30", "Sec-Fetch-Site", "", "Origin", "https://evil.example"); r.StatusCode != http.StatusForbidden {
		t.Errorf("form from another origin: status %d, want 403", r.StatusCode)
	}
	req := httptest.NewRequest(http.MethodPost, "/api/v1/audits", strings.NewReader(`{"domain":"d.example.fr"}`))
	req.Header.Set("Content-Type", "text/plain")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusUnsupportedMediaType {
		t.Errorf("API with text/plain: status %d, want 415", w.Code)
	}
	if r := postJSON(t, s, `{"domain":"d.example.fr"} {}`, "198.51.100.31"); r.StatusCode != http.StatusBadRequest {
		t.Errorf("API with two objects: status %d, want 400", r.StatusCode)
	}
	// Unknown tokens.
	for _, p := range []string{"/ondemand/request/0123456789abcdef0123456789abcdef", "/ondemand/request/x", "/api/v1/ondemand/requests/0123456789abcdef0123456789abcdef"} {
		if r := get(t, s, p); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", p, r.StatusCode)
		}
	}
	// Every answer keeps the security headers.
	for _, r := range []*http.Response{busy, post(t, s, "/ondemand", "gouv.fr", "198.51.100.40")} {
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self'") {
			t.Errorf("CSP %q", csp)
		}
	}
}

// TestOnDemandOff: without a queue, no form and no POST.
func TestOnDemandOff(t *testing.T) {
	s := newServer(t, Options{})
	if strings.Contains(body(t, get(t, s, "/")), "/ondemand") {
		t.Error("home page shows the on-demand form without a queue")
	}
	for _, p := range []string{"/ondemand", "/api/v1/audits"} {
		if r := post(t, s, p, "a.example.fr", "198.51.100.1"); r.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST %s without a queue: status %d, want 405", p, r.StatusCode)
		}
	}
}

// TestOnDemandOpenAPI: the on-demand routes are in the document.
func TestOnDemandOpenAPI(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	for route, op := range map[string]string{"/api/v1/audits": "post", "/api/v1/ondemand/requests/{token}": "get", "/api/v1/ondemand/{id}": "get"} {
		if _, ok := doc.Paths[route][op]; !ok {
			t.Errorf("%s %s is not in openapi.json", op, route)
		}
	}
}
