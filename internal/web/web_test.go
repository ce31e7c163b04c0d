package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/golden"
	"vigie.eu/vigie/internal/store"
	"vigie.eu/vigie/internal/store/storetest"
)

// hostileName is an organisation name as a hostile targets file could
// give it: markup, quotes, an ampersand.
const hostileName = `<script>alert("x")</script> & 'Mairie' "de" <b>Nulle-Part</b>`

// hostileEvidence is a header value as a hostile server could send it.
const hostileEvidence = `"><script>steal()</script><a href='javascript:x'>`

// base is the time of the first campaign's audits.
var base = time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)

// fixtureOrgs are the organisations of the test store.
var fixtureOrgs = []store.Organisation{
	{ID: "21420218700019", Name: "Mairie de Saint-Étienne", Category: "commune", Domains: []string{"saint-etienne.test"}},
	{ID: "26690027600016", Name: "Hôpital Édouard-Herriot", Category: "hôpital", Domains: []string{"chu-lyon.test", "www.chu-lyon.test"}},
	{ID: "11000101300017", Name: "Ministère de l'Œuvre publique", Category: "ministère", Domains: []string{"oeuvre.gouv.test"}},
	{ID: "hostile", Name: hostileName, Category: `commune"><img src=x>`, Domains: []string{"hostile.test"}},
}

// degrade removes the security headers of r's responses and judges it
// again: a site that got worse.
func degrade(r *audit.Result) {
	for _, h := range r.Observations.HTTP {
		for i := range h.Responses {
			delete(h.Responses[i].Headers, "Strict-Transport-Security")
			delete(h.Responses[i].Headers, "Content-Security-Policy")
		}
	}
	engine.Rejudge(r)
}

// fixture returns a read-only store with two finished campaigns a week
// apart, in which chu-lyon.test got worse, and its path.
func fixture(t testing.TB) (store.Store, string) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vigie.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for week := range 2 {
		at := base.Add(time.Duration(week) * 7 * 24 * time.Hour)
		id, err := st.CreateCampaign(ctx, &store.Campaign{Name: "semaine " + at.Format("2006-01-02"), Created: at}, fixtureOrgs)
		if err != nil {
			t.Fatal(err)
		}
		err = st.PendingJobs(ctx, id, func(j store.Job) error {
			r := storetest.Realistic(j.Domain, at)
			r.Observations.Domain, r.Observations.Time = j.Domain, at
			engine.Rejudge(r)
			if week == 1 && j.Org.ID == "26690027600016" {
				degrade(r)
			}
			if week == 1 && j.Org.ID == "11000101300017" {
				// The deadline ended its mail probe.
				r.Observations.CutShort = &audit.CutShort{DeadlineMS: 30000, Probes: []string{"mail"}}
				engine.Rejudge(r)
			}
			if j.Org.ID == "hostile" && len(r.Findings) > 0 {
				// What a hostile server sends ends up in evidence.
				f := r.Findings[0]
				f.Subject, f.Evidence = hostileEvidence, "header: "+hostileEvidence
				r.Findings = append(r.Findings, f)
			}
			return st.SaveAudit(ctx, j, r)
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.FinishCampaign(ctx, id, at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	ro, err := store.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ro.Close() })
	return ro, path
}

func newServer(t *testing.T, opt Options) *Server {
	t.Helper()
	st, _ := fixture(t)
	if opt.Now == nil {
		opt.Now = func() time.Time { return base.Add(30 * 24 * time.Hour) }
	}
	s, err := New(st, opt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// get asks s for target with the given headers (name, value pairs).
func get(t *testing.T, s http.Handler, target string, headers ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	return w.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// firstAudit returns the ID of an audit of domain, from the API.
func auditIDs(t *testing.T, s http.Handler, domain string) []int64 {
	t.Helper()
	r := get(t, s, "/api/v1/domains/"+domain+"/audits")
	if r.StatusCode != 200 {
		t.Fatalf("audits of %s: status %d", domain, r.StatusCode)
	}
	var v struct {
		Audits []struct {
			ID int64 `json:"id"`
		} `json:"audits"`
	}
	if err := json.Unmarshal([]byte(body(t, r)), &v); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, a := range v.Audits {
		ids = append(ids, a.ID)
	}
	return ids
}

func TestSecurityHeaders(t *testing.T) {
	for _, tls := range []bool{false, true} {
		s := newServer(t, Options{TLS: tls, SecurityContact: "mailto:securite@example.test"})
		id := auditIDs(t, s, "saint-etienne.test")[0]
		for _, target := range []string{"/", "/?q=mairie", "/org/21420218700019", "/audit/" + itoa(id), "/audit/" + itoa(id) + "/print",
			"/campaign/1", "/methodology", "/opendata", "/about", "/.well-known/security.txt", "/badge/saint-etienne.test.svg",
			"/api/v1/openapi.json", "/healthz", "/static/style.css", "/nowhere", "/en/", "/api/v1/nowhere"} {
			r := get(t, s, target)
			h := r.Header
			want := map[string]string{
				"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
				"X-Content-Type-Options":  "nosniff",
				"Referrer-Policy":         "no-referrer",
				"X-Frame-Options":         "DENY",
			}
			if strings.HasSuffix(target, "/print") {
				// The report's one inline style, allowed by its hash.
				css, ok := inlineStyle([]byte(body(t, r)))
				sum := sha256.Sum256(css)
				if !ok {
					t.Errorf("%s: no inline style", target)
				}
				want["Content-Security-Policy"] = "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
			}
			for k, v := range want {
				if got := h.Get(k); got != v {
					t.Errorf("TLS %v, %s: %s = %q, want %q", tls, target, k, got, v)
				}
			}
			if hsts := h.Get("Strict-Transport-Security"); (hsts != "") != tls {
				t.Errorf("TLS %v, %s: Strict-Transport-Security = %q", tls, target, hsts)
			}
			if h.Get("Content-Type") == "" {
				t.Errorf("%s: no Content-Type", target)
			}
			corp := "same-origin"
			if strings.HasPrefix(target, "/badge/") {
				corp = "cross-origin" // embeddable
			}
			if got := h.Get("Cross-Origin-Resource-Policy"); got != corp {
				t.Errorf("%s: Cross-Origin-Resource-Policy = %q, want %q", target, got, corp)
			}
		}
	}
}

func itoa(n int64) string {
	return strings.TrimSpace(strings.Replace(string(mustJSON(n)), "\n", "", -1))
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// TestGoldenPages renders every page type in French and English and
// compares it with its golden file (VIGIE_UPDATE=1 rewrites them).
func TestGoldenPages(t *testing.T) {
	s := newServer(t, Options{SecurityContact: "mailto:securite@example.test"})
	id := auditIDs(t, s, "chu-lyon.test")[1]
	pages := map[string]string{
		"home":        "/",
		"search":      "/?q=saint",
		"org":         "/org/26690027600016",
		"audit":       "/audit/" + itoa(id),
		"print":       "/audit/" + itoa(id) + "/print",
		"campaign":    "/campaign/2",
		"methodology": "/methodology",
		"opendata":    "/opendata",
		"about":       "/about",
		"notfound":    "/org/nobody",
	}
	for name, target := range pages {
		for _, lang := range []string{"fr", "en"} {
			r := get(t, s, "/"+lang+target)
			want := 200
			if name == "notfound" {
				want = 404
			}
			if r.StatusCode != want {
				t.Errorf("%s: status %d, want %d", target, r.StatusCode, want)
			}
			b := body(t, r)
			if !strings.Contains(b, `<html lang="`+lang+`">`) {
				t.Errorf("%s in %s: not a page in %s", target, lang, lang)
			}
			golden.File(t, filepath.Join("testdata", name+"."+lang+".html"), []byte(b))
		}
	}
}

// TestNoOtherOrigin checks that no page refers to another origin: no
// absolute URL in a src, href or action, no inline script or style.
func TestNoOtherOrigin(t *testing.T) {
	s := newServer(t, Options{})
	id := auditIDs(t, s, "chu-lyon.test")[1]
	attr := regexp.MustCompile(`(?i)\b(src|href|action)="([^"]*)"`)
	for _, target := range []string{"/", "/?q=h", "/org/26690027600016", "/audit/" + itoa(id), "/campaign/2", "/methodology", "/about", "/opendata"} {
		b := body(t, get(t, s, target))
		for _, m := range attr.FindAllStringSubmatch(b, -1) {
			if !strings.HasPrefix(m[2], "/") && !strings.HasPrefix(m[2], "#") {
				t.Errorf("%s: %s=%q is not on this origin", target, m[1], m[2])
			}
		}
		for _, bad := range []string{"<script", "style=", "<style", " on"} {
			if bad == " on" {
				if regexp.MustCompile(`<[^>]+\son[a-z]+=`).MatchString(b) {
					t.Errorf("%s: an inline event handler", target)
				}
				continue
			}
			if strings.Contains(b, bad) {
				t.Errorf("%s: contains %q, which the CSP refuses", target, bad)
			}
		}
	}
}

// TestHostileEscaped checks that a hostile organisation name and
// category from the store reach every page escaped.
func TestHostileEscaped(t *testing.T) {
	s := newServer(t, Options{})
	id := auditIDs(t, s, "hostile.test")[0]
	for _, target := range []string{"/?q=mairie", "/?q=hostile", "/org/hostile", "/audit/" + itoa(id), "/campaign/1", "/campaign/2"} {
		b := body(t, get(t, s, target))
		for _, raw := range []string{"<script>", "<b>", `"><img`, `"de"`} {
			if strings.Contains(b, raw) {
				t.Errorf("%s: %q reached the page unescaped", target, raw)
			}
		}
		if !strings.Contains(b, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
			t.Errorf("%s: the hostile name is not on the page, escaped", target)
		}
	}
	b := body(t, get(t, s, "/audit/"+itoa(id)))
	if strings.Contains(b, "<script>steal") || strings.Contains(b, "href='javascript") ||
		!strings.Contains(b, "&#34;&gt;&lt;script&gt;steal()&lt;/script&gt;") {
		t.Errorf("the hostile evidence is not on the audit page, escaped")
	}
	// The JSON API gives it as data, exactly.
	var org struct {
		Name     string `json:"name"`
		Category string `json:"category"`
	}
	if err := json.Unmarshal([]byte(body(t, get(t, s, "/api/v1/organisations/hostile"))), &org); err != nil {
		t.Fatal(err)
	}
	if org.Name != hostileName || org.Category != fixtureOrgs[3].Category {
		t.Errorf("API name %q, category %q", org.Name, org.Category)
	}
}

func TestSearch(t *testing.T) {
	s := newServer(t, Options{})
	ids := func(q string) []string {
		t.Helper()
		orgs, total, err := s.index.search(context.Background(), q, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if total != len(orgs) {
			t.Errorf("search %q: total %d for %d results", q, total, len(orgs))
		}
		out := []string{}
		for _, o := range orgs {
			out = append(out, o.ID)
		}
		return out
	}
	for _, tt := range []struct {
		q    string
		want []string
	}{
		{"saint", []string{"21420218700019"}},
		{"ETIENNE", []string{"21420218700019"}},       // case, accent, word inside a name
		{"saint-étienne", []string{"21420218700019"}}, // hyphen as a space
		{"hopital edou", []string{"26690027600016"}},
		{"oeuvre", []string{"11000101300017"}}, // œ folded
		{"Œuvre", []string{"11000101300017"}},
		{"2669", []string{"26690027600016"}},              // identifier prefix
		{"www.chu", []string{"26690027600016"}},           // domain prefix
		{"mairie", []string{"21420218700019", "hostile"}}, // name start first
		{"tienne", []string{}},                            // prefixes only
		{"   ", []string{}},
	} {
		if diff := cmp.Diff(tt.want, ids(tt.q)); diff != "" {
			t.Errorf("search %q (-want +got):\n%s", tt.q, diff)
		}
	}
	orgs, total, err := s.index.search(context.Background(), "e", 1, 1)
	if err != nil || total < 2 || len(orgs) != 1 {
		t.Errorf("search paging: %d of %d, %v", len(orgs), total, err)
	}
}

// TestOpenAPI checks that the document is valid JSON and OpenAPI 3.1,
// and that every path it lists answers 200 with JSON.
func TestOpenAPI(t *testing.T) {
	s := newServer(t, Options{})
	r := get(t, s, "/api/v1/openapi.json")
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(body(t, r)), &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" || len(doc.Paths) < 7 {
		t.Fatalf("openapi %q with %d paths", doc.OpenAPI, len(doc.Paths))
	}
	id := auditIDs(t, s, "saint-etienne.test")[0]
	values := strings.NewReplacer("{id}", itoa(id), "{domain}", "saint-etienne.test")
	queries := map[string]string{"/api/v1/organisations": "?q=mairie"}
	for path, ops := range doc.Paths {
		if _, ok := ops["post"]; ok && path == "/api/v1/audits" {
			continue // on-demand audits: TestOnDemandOpenAPI
		}
		if strings.HasPrefix(path, "/api/v1/ondemand/") {
			continue // likewise
		}
		if _, ok := ops["get"]; !ok {
			t.Errorf("%s: no get", path)
		}
		target := values.Replace(path) + queries[path]
		if path == "/api/v1/organisations/{id}" {
			target = "/api/v1/organisations/21420218700019"
		}
		r := get(t, s, target)
		b := body(t, r)
		if r.StatusCode != 200 || !json.Valid([]byte(b)) || r.Header.Get("ETag") == "" {
			t.Errorf("%s: status %d, valid JSON %v, ETag %q", target, r.StatusCode, json.Valid([]byte(b)), r.Header.Get("ETag"))
		}
	}
	// Every API route of the server is in the document.
	for _, route := range []string{"/api/v1/organisations", "/api/v1/organisations/{id}", "/api/v1/domains/{domain}/audits",
		"/api/v1/audits/{id}", "/api/v1/campaigns", "/api/v1/statistics", "/api/v1/openapi.json"} {
		if _, ok := doc.Paths[route]; !ok {
			t.Errorf("route %s is not in openapi.json", route)
		}
	}
}

// TestAPIAudit checks that an audit comes back as the stored result, as
// "vigie audit --json" prints it (no HTML escaping), and statistics.
func TestAPIAudit(t *testing.T) {
	st, _ := fixture(t)
	s, err := New(st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	id := auditIDs(t, s, "chu-lyon.test")[1]
	rec, err := st.Audit(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rec.Result); err != nil {
		t.Fatal(err)
	}
	got := body(t, get(t, s, "/api/v1/audits/"+itoa(id)))
	if diff := cmp.Diff(want.String(), got); diff != "" {
		t.Errorf("audit JSON (-want +got):\n%s", diff)
	}
	var stats statsJSON
	if err := json.Unmarshal([]byte(body(t, get(t, s, "/api/v1/statistics"))), &stats); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range stats.Grades {
		n += g.Count
	}
	if stats.Campaign.ID != 2 || stats.Organisations != 4 || n != 4 || len(stats.Categories) != 4 {
		t.Errorf("statistics: campaign %d, %d organisations, %d graded, %d categories", stats.Campaign.ID, stats.Organisations, n, len(stats.Categories))
	}
	// The degraded hospital lost its HSTS: some finding counts it.
	found := false
	for _, f := range stats.Findings {
		if strings.HasPrefix(f.ID, "http.hsts") && f.Organisations == 1 && f.Percent == 25 {
			found = true
		}
	}
	if !found {
		t.Errorf("statistics: no HSTS finding for 1 organisation in 4: %+v", stats.Findings)
	}
}

func TestWorse(t *testing.T) {
	s := newServer(t, Options{})
	b := body(t, get(t, s, "/en/campaign/2"))
	if !strings.Contains(b, "Worse since campaign") || !strings.Contains(b, "/en/org/26690027600016") {
		t.Errorf("campaign 2 does not list the hospital as worse:\n%s", b)
	}
	c, err := s.compare(context.Background(), 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	var worse []string
	for _, ch := range c.Worse {
		worse = append(worse, ch.Domain)
	}
	if diff := cmp.Diff([]string{"chu-lyon.test", "www.chu-lyon.test"}, worse); diff != "" {
		t.Errorf("worse (-want +got):\n%s", diff)
	}
}

func TestBadge(t *testing.T) {
	s := newServer(t, Options{})
	r := get(t, s, "/badge/saint-etienne.test.svg")
	b := body(t, r)
	tag := r.Header.Get("ETag")
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "image/svg+xml" || tag == "" ||
		!strings.HasPrefix(r.Header.Get("Cache-Control"), "public, max-age=") {
		t.Fatalf("badge: status %d, headers %v", r.StatusCode, r.Header)
	}
	if !strings.Contains(b, "2026-12-08") || !strings.HasPrefix(b, "<svg") {
		t.Errorf("badge has no date of the latest audit:\n%s", b)
	}
	if r := get(t, s, "/badge/saint-etienne.test.svg", "If-None-Match", tag); r.StatusCode != http.StatusNotModified {
		t.Errorf("badge with its ETag: status %d, want 304", r.StatusCode)
	}
	if r := get(t, s, "/badge/unknown.test.svg"); r.StatusCode != 404 || !strings.Contains(body(t, r), "non audité") {
		t.Errorf("badge of an unknown domain: status %d", r.StatusCode)
	}
	if r := get(t, s, "/badge/saint-etienne.test.png"); r.StatusCode != 404 {
		t.Errorf("badge without .svg: status %d", r.StatusCode)
	}
}

func TestLanguage(t *testing.T) {
	s := newServer(t, Options{})
	for _, tt := range []struct {
		target, accept, want string
	}{
		{"/", "", "fr"},
		{"/", "en-GB,en;q=0.9", "en"},
		{"/", "en;q=0.5, fr;q=0.8", "fr"},
		{"/", "de, en;q=0.3", "en"},
		{"/en/", "fr", "en"},
		{"/fr/about", "en", "fr"},
	} {
		r := get(t, s, tt.target, "Accept-Language", tt.accept)
		b := body(t, r)
		if !strings.Contains(b, `<html lang="`+tt.want+`">`) || r.Header.Get("Content-Language") != tt.want {
			t.Errorf("%s with Accept-Language %q: not in %s", tt.target, tt.accept, tt.want)
		}
	}
	if v := get(t, s, "/").Header.Get("Vary"); v != "Accept-Language" {
		t.Errorf("Vary = %q", v)
	}
	if b := body(t, get(t, s, "/en/about")); !strings.Contains(b, `href="/en/methodology"`) || !strings.Contains(b, `href="/fr/about"`) {
		t.Errorf("/en/about: links do not keep the language, or no switch to French")
	}
	// A French page shows the evidence and the typography in French, an
	// English one in English.
	id := auditIDs(t, s, "chu-lyon.test")[1]
	fr, en := body(t, get(t, s, "/fr/audit/"+itoa(id))), body(t, get(t, s, "/en/audit/"+itoa(id)))
	for _, tt := range []struct {
		page, lang, want, not string
	}{
		{fr, "fr", "Constaté\u00a0: <samp>pas d", "<samp>no "},
		{en, "en", "Observed: <samp>no ", "<samp>pas d"},
		{fr, "fr", "points sur 100", "/100"},
		{fr, "fr", "", "Audit incomplet"},
		{body(t, get(t, s, "/fr/org/11000101300017")), "fr", "Audit incomplet\u00a0: le délai de l&#39;audit (30\u00a0s) a pris fin avant l&#39;examen de la messagerie", "Incomplete"},
		{body(t, get(t, s, "/en/org/11000101300017")), "en", "Incomplete audit: the audit&#39;s deadline (30 s) ended the mail probe", "Audit incomplet"},
		{en, "en", "points out of 100", " : "},
	} {
		if !strings.Contains(tt.page, tt.want) || strings.Contains(tt.page, tt.not) {
			t.Errorf("%s audit page: want %q and no %q", tt.lang, tt.want, tt.not)
		}
	}
}

func TestBounds(t *testing.T) {
	s := newServer(t, Options{})
	for _, tt := range []struct {
		method, target string
		want           int
	}{
		{"GET", "/?q=" + strings.Repeat("a", 101), 400},
		{"GET", "/?offset=-1", 400},
		{"GET", "/?offset=x", 400},
		{"GET", "/?q=" + strings.Repeat("a", 2000), 414},
		{"POST", "/", 405},
		{"GET", "/api/v1/organisations", 400},
		{"GET", "/api/v1/organisations?q=a&limit=1000", 400},
		{"GET", "/api/v1/campaigns?before=x", 400},
		{"GET", "/api/v1/audits/999999", 404},
		{"GET", "/api/v1/audits/x", 404},
		{"GET", "/audit/999999", 404},
		{"GET", "/campaign/99", 404},
		{"GET", "/opendata/..%2fvigie.db", 404},
		{"GET", "/.well-known/security.txt", 404}, // no contact given
		{"GET", "/favicon.ico", 301},              // to the site's own icon
		{"GET", "/static/favicon.svg", 200},
	} {
		req := httptest.NewRequest(tt.method, tt.target, nil)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != tt.want {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.target[:min(len(tt.target), 60)], w.Code, tt.want)
		}
	}
}

func TestSecurityTxt(t *testing.T) {
	s := newServer(t, Options{SecurityContact: "mailto:securite@example.test", BaseURL: "https://observatoire.test/"})
	b := body(t, get(t, s, "/.well-known/security.txt"))
	want := "Contact: mailto:securite@example.test\nExpires: 2027-06-29T00:00:00Z\nPreferred-Languages: fr, en\nCanonical: https://observatoire.test/.well-known/security.txt\n"
	if diff := cmp.Diff(want, b); diff != "" {
		t.Errorf("security.txt (-want +got):\n%s", diff)
	}
}

// TestCacheFollowsStore checks that a page kept by the cache is rendered
// again once a campaign is added to the store.
func TestCacheFollowsStore(t *testing.T) {
	ctx := context.Background()
	st, path := fixture(t)
	s, err := New(st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.cache.recheck = 0 // ask the store at every request
	if b := body(t, get(t, s, "/")); !strings.Contains(b, "semaine 2026-12-08") {
		t.Fatalf("home page without the latest campaign")
	}
	w, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	at := base.Add(14 * 24 * time.Hour)
	id, err := w.CreateCampaign(ctx, &store.Campaign{Name: "troisième", Created: at}, fixtureOrgs[:1])
	if err != nil {
		t.Fatal(err)
	}
	if b := body(t, get(t, s, "/")); !strings.Contains(b, "semaine 2026-12-08") {
		t.Errorf("an unfinished campaign replaced the latest finished one")
	}
	err = w.PendingJobs(ctx, id, func(j store.Job) error { return w.SaveAudit(ctx, j, storetest.Realistic(j.Domain, at)) })
	if err != nil {
		t.Fatal(err)
	}
	if err := w.FinishCampaign(ctx, id, at); err != nil {
		t.Fatal(err)
	}
	if b := body(t, get(t, s, "/")); !strings.Contains(b, "troisième") {
		t.Errorf("home page still the one kept before the new campaign")
	}
}

// TestConcurrent serves every page type from many goroutines at once,
// cold: the caches (search index, statistics, comparisons, pages) are
// filled concurrently (run with -race).
func TestConcurrent(t *testing.T) {
	s := newServer(t, Options{})
	s.cache.recheck = 0
	targets := []string{"/", "/en/?q=mairie", "/org/26690027600016", "/campaign/2", "/api/v1/statistics",
		"/api/v1/organisations?q=h", "/badge/chu-lyon.test.svg", "/fr/org/hostile"}
	errs := make(chan string, 80) // one per request
	done := make(chan struct{})
	for g := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 10 {
				target := targets[(g+i)%len(targets)]
				w := httptest.NewRecorder()
				s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
				if w.Code != 200 {
					errs <- fmt.Sprintf("%s: status %d", target, w.Code)
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestOpenData(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "organisations.csv"), []byte("id,name\n1,a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".hidden"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := newServer(t, Options{OpenDataDir: dir})
	page := body(t, get(t, s, "/opendata"))
	if !strings.Contains(page, `href="/opendata/organisations.csv"`) || strings.Contains(page, ".hidden") {
		t.Errorf("open data page does not list exactly the visible file")
	}
	r := get(t, s, "/opendata/organisations.csv")
	if b := body(t, r); r.StatusCode != 200 || b != "id,name\n1,a\n" || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: status %d, body %q, disposition %q", r.StatusCode, b, r.Header.Get("Content-Disposition"))
	}
	for _, bad := range []string{"/opendata/.hidden", "/opendata/..%2f..%2fetc%2fpasswd", "/opendata/nothing.csv"} {
		if r := get(t, s, bad); r.StatusCode != 404 {
			t.Errorf("%s: status %d, want 404", bad, r.StatusCode)
		}
	}
	if b := body(t, get(t, s, "/campaign/2")); !strings.Contains(b, `href="/opendata/organisations.csv"`) {
		t.Errorf("campaign page does not offer the download")
	}
}

// TestWarm: after Warm, the newest campaign's statistics, its comparison
// with the previous one and the search index are there before any page
// asks, and the pages show what they would have computed.
func TestWarm(t *testing.T) {
	s := newServer(t, Options{})
	if len(s.stats)+len(s.cmps) != 0 || s.index.built {
		t.Fatal("a new server computed something before Warm")
	}
	if _, err := s.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.stats[2] == nil || s.cmps[[2]int64{1, 2}] == nil || !s.index.built {
		t.Errorf("after Warm: stats %v, comparison %v, index built %v; want campaign 2's, 1 to 2, true", s.stats[2] != nil, s.cmps[[2]int64{1, 2}] != nil, s.index.built)
	}
	if b := body(t, get(t, s, "/en/campaign/2")); !strings.Contains(b, "/en/org/26690027600016") {
		t.Errorf("campaign 2 after Warm does not list the hospital as worse")
	}
}
