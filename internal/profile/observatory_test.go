package profile

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/audit"
)

// obsResults returns the outcome of each Observatory test, by test name.
func obsResults(s *audit.ObservatoryScore) map[string]string {
	m := map[string]string{}
	for _, t := range s.Tests {
		m[t.Name] = t.Result
	}
	return m
}

// htmlSite is site with a text/html page.
func htmlSite(headers map[string][]string, body string, cookies ...audit.Cookie) *audit.Observations {
	h := map[string][]string{"Content-Type": {"text/html; charset=utf-8"}}
	for k, v := range headers {
		h[k] = v
	}
	return site(h, body, cookies...)
}

// TestObservatoryTests checks single outcomes where vigie once differed
// from the MDN HTTP Observatory 1.4.8 (e2e/observatory.sh).
func TestObservatoryTests(t *testing.T) {
	hsts := map[string][]string{"Strict-Transport-Security": {"max-age=63072000"}}
	withHSTS := func(k, v string) map[string][]string {
		return map[string][]string{"Strict-Transport-Security": {"max-age=63072000"}, k: {v}}
	}
	// httpOnly: the https:// page does not answer; http:// answers 200.
	httpOnly := &audit.Observations{Domain: "example.test", HTTP: []*audit.HTTPObservation{
		{URL: "http://example.test/", Responses: []audit.HTTPResponse{{URL: "http://example.test/", Status: 200,
			Headers: map[string][]string{"Strict-Transport-Security": {"max-age=63072000"}}}}},
		{URL: "https://example.test/", Error: "connection refused", Responses: []audit.HTTPResponse{{URL: "https://example.test/", Error: "connection refused"}}},
	}}
	// badCert: the https:// page answers with an unverified certificate;
	// it is still the page graded. Its cookies count, those of http://
	// do not.
	badCert := &audit.Observations{Domain: "example.test", HTTP: []*audit.HTTPObservation{
		{URL: "http://example.test/", Responses: []audit.HTTPResponse{
			{URL: "http://example.test/", Status: 301, Location: "https://example.test/", Cookies: []audit.Cookie{{Name: "sessionid"}}},
			{URL: "https://example.test/", Status: 200, TLSUnverified: true},
		}},
		{URL: "https://example.test/", Responses: []audit.HTTPResponse{{URL: "https://example.test/", Status: 200, TLSUnverified: true,
			Headers: map[string][]string{"Strict-Transport-Security": {"max-age=63072000"}, "X-Frame-Options": {"DENY"}}}}},
	}}
	tests := []struct {
		name string
		o    *audit.Observations
		test string
		want string
	}{
		// HSTS: six months is 15552000 s in the Observatory's code.
		{"hsts 180 days", site(map[string][]string{"Strict-Transport-Security": {"max-age=15552000"}}, ""), "strict-transport-security", "hsts-implemented-max-age-at-least-six-months"},
		{"hsts 180 days less 1 s", site(map[string][]string{"Strict-Transport-Security": {"max-age=15551999"}}, ""), "strict-transport-security", "hsts-implemented-max-age-less-than-six-months"},
		{"hsts sent twice", site(map[string][]string{"Strict-Transport-Security": {"max-age=63072000", "max-age=63072000"}}, ""), "strict-transport-security", "hsts-header-invalid"},
		{"hsts without max-age", site(map[string][]string{"Strict-Transport-Security": {"includeSubDomains"}}, ""), "strict-transport-security", "hsts-header-invalid"},
		{"hsts max-age not a number", site(map[string][]string{"Strict-Transport-Security": {`max-age="abc"`}}, ""), "strict-transport-security", "hsts-implemented-max-age-at-least-six-months"},
		{"hsts only on http", httpOnly, "strict-transport-security", "hsts-not-implemented-no-https"},
		{"hsts bad certificate", badCert, "strict-transport-security", "hsts-invalid-cert"},
		{"graded page behind a bad certificate", badCert, "x-frame-options", "x-frame-options-sameorigin-or-deny"},
		{"cookies of the graded chain only", badCert, "cookies", "cookies-not-found"},

		// Cookies: the Observatory's order of outcomes, not the modifiers.
		{"cookie order", site(hsts, "", audit.Cookie{Name: "theme", HttpOnly: true}, audit.Cookie{Name: "sessionid", HttpOnly: true}),
			"cookies", "cookies-session-without-secure-flag-but-protected-by-hsts"},
		{"samesite none without secure", site(nil, "", audit.Cookie{Name: "a", SameSite: "None"}), "cookies", "cookies-samesite-flag-invalid"},
		{"samesite unknown value", site(nil, "", audit.Cookie{Name: "a", Secure: true, SameSite: "Bogus", Raw: "a=…; Secure; SameSite=Bogus"}),
			"cookies", "cookies-samesite-flag-invalid"},
		{"samesite unknown value counts as absent", site(nil, "", audit.Cookie{Name: "csrftoken", Secure: true, SameSite: "Bogus"}),
			"cookies", "cookies-anticsrf-without-samesite-flag"},
		{"cookie deleted", site(nil, "", audit.Cookie{Name: "sessionid", MaxAge: "0"}), "cookies", "cookies-not-found"},
		{"cookie replaced", site(nil, "", audit.Cookie{Name: "sessionid", Path: "/"}, audit.Cookie{Name: "sessionid", Path: "/", Secure: true, HttpOnly: true, SameSite: "Lax"}),
			"cookies", "cookies-secure-with-httponly-sessions-and-samesite"},

		// CSP.
		{"csp default-src none alone", site(withHSTS("Content-Security-Policy", "default-src 'none'"), ""), "content-security-policy", "csp-implemented-with-no-unsafe-default-src-none"},
		{"csp object-src data", site(withHSTS("Content-Security-Policy", "default-src 'self'; object-src data:"), ""), "content-security-policy", "csp-implemented-with-no-unsafe"},
		{"csp script-src https://*", site(withHSTS("Content-Security-Policy", "default-src 'self'; script-src https://*"), ""), "content-security-policy", "csp-implemented-with-unsafe-inline"},
		{"csp strict-dynamic with nonce", site(withHSTS("Content-Security-Policy", "default-src 'self'; script-src 'nonce-abc' 'strict-dynamic' https: 'unsafe-inline'"), ""), "content-security-policy", "csp-implemented-with-no-unsafe"},
		{"csp strict-dynamic without nonce", site(withHSTS("Content-Security-Policy", "default-src 'self'; script-src 'strict-dynamic'"), ""), "content-security-policy", "csp-header-invalid"},
		{"csp unsafe-eval in style-src", site(withHSTS("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-eval'"), ""), "content-security-policy", "csp-implemented-with-unsafe-eval"},
		{"csp http report-uri", site(withHSTS("Content-Security-Policy", "default-src 'self'; report-uri http://r.example.test/"), ""), "content-security-policy", "csp-implemented-with-insecure-scheme"},
		{"csp ftp images", site(withHSTS("Content-Security-Policy", "default-src 'self'; img-src ftp://f.example.test"), ""), "content-security-policy", "csp-implemented-with-insecure-scheme-in-passive-content-only"},
		{"csp insecure scheme before unsafe-eval", site(withHSTS("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-eval'; connect-src http://a.example.test"), ""), "content-security-policy", "csp-implemented-with-insecure-scheme"},
		{"csp duplicate directive", site(withHSTS("Content-Security-Policy", "default-src 'self'; default-src 'none'"), ""), "content-security-policy", "csp-header-invalid"},
		{"csp duplicate report-uri", site(withHSTS("Content-Security-Policy", "default-src 'self'; report-uri /a; report-uri /b"), ""), "content-security-policy", "csp-implemented-but-duplicate-directives"},
		{"csp empty -src is none", site(withHSTS("Content-Security-Policy", "default-src; form-action 'self'"), ""), "content-security-policy", "csp-implemented-with-no-unsafe-default-src-none"},
		{"csp too short", site(withHSTS("Content-Security-Policy", "a b"), ""), "content-security-policy", "csp-header-invalid"},
		{"csp report-only", site(withHSTS("Content-Security-Policy-Report-Only", "default-src 'self'"), ""), "content-security-policy", "csp-not-implemented-but-reporting-enabled"},
		{"csp in meta", htmlSite(hsts, `<head><meta http-equiv="Content-Security-Policy" content="default-src 'self'"></head>`), "content-security-policy", "csp-implemented-with-no-unsafe"},
		{"csp in meta of a page not html", site(hsts, `<head><meta http-equiv="Content-Security-Policy" content="default-src 'self'"></head>`), "content-security-policy", "csp-not-implemented"},

		// X-Frame-Options.
		{"xfo sent twice", site(map[string][]string{"X-Frame-Options": {"DENY", "DENY"}}, ""), "x-frame-options", "x-frame-options-header-invalid"},
		{"xfo frame-ancestors of an invalid csp", site(map[string][]string{"Content-Security-Policy": {"frame-ancestors 'none'; frame-ancestors 'self'"}}, ""), "x-frame-options", "x-frame-options-not-implemented"},
		{"xfo frame-ancestors in meta", htmlSite(nil, `<meta http-equiv="content-security-policy" content="default-src 'self'; frame-ancestors 'none'">`), "x-frame-options", "x-frame-options-implemented-via-csp"},

		// Referrer-Policy.
		{"referrer in meta", htmlSite(nil, `<meta name="referrer" content="no-referrer">`), "referrer-policy", "referrer-policy-private"},
		{"referrer meta after header", htmlSite(map[string][]string{"Referrer-Policy": {"no-referrer"}}, `<meta name="referrer" content="unsafe-url">`), "referrer-policy", "referrer-policy-unsafe"},

		// SRI: only scripts of another registrable domain, or
		// protocol-relative, are external; the worst outcome in the
		// Observatory's order wins.
		{"sri inline scripts only", htmlSite(nil, `<script>var a = 1</script>`), "subresource-integrity", "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"},
		{"sri protocol-relative", htmlSite(nil, `<script src="//cdn.other.test/a.js"></script>`), "subresource-integrity", "sri-not-implemented-and-external-scripts-not-loaded-securely"},
		{"sri protocol-relative with integrity", htmlSite(nil, `<script src="//cdn.other.test/a.js" integrity="sha384-x"></script>`), "subresource-integrity", "sri-implemented-but-external-scripts-not-loaded-securely"},
		{"sri same site over http", htmlSite(nil, `<script src="http://static.example.test/a.js"></script>`), "subresource-integrity", "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"},
		{"sri sibling host with integrity", htmlSite(nil, `<script src="https://cdn.example.test/a.js" integrity="sha384-x"></script>`), "subresource-integrity", "sri-implemented-and-all-scripts-loaded-securely"},
		{"sri external with integrity among own scripts", htmlSite(nil, `<script src="/app.js"></script><script src="https://cdn.other.test/lib.js" integrity="sha384-x"></script>`),
			"subresource-integrity", "sri-implemented-and-external-scripts-loaded-securely"},
		{"sri order", htmlSite(nil, `<script src="https://a.other.test/a.js"></script><script src="http://b.other.test/b.js" integrity="sha384-x"></script>`),
			"subresource-integrity", "sri-not-implemented-but-external-scripts-loaded-securely"},
		{"sri content type not exactly html", site(map[string][]string{"Content-Type": {"Text/HTML"}}, `<script src="/a.js"></script>`), "subresource-integrity", "sri-not-implemented-response-not-html"},

		// CORP: the Observatory's names.
		{"corp same-site", site(map[string][]string{"Cross-Origin-Resource-Policy": {"same-site"}}, ""), "cross-origin-resource-policy", "corp-implemented-with-same-site"},
		{"corp absent", site(nil, ""), "cross-origin-resource-policy", "corp-not-implemented"},
		{"corp invalid", site(map[string][]string{"Cross-Origin-Resource-Policy": {"same-site, same-origin"}}, ""), "cross-origin-resource-policy", "corp-header-invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Observatory(tt.o)
			if s == nil {
				t.Fatal("Observatory = nil")
			}
			if got := obsResults(s)[tt.test]; got != tt.want {
				t.Errorf("%s: %s, want %s", tt.test, got, tt.want)
			}
		})
	}
}

// TestObservatoryStatus: the Observatory grades 2xx, 3xx, 401 and 403
// answers only.
func TestObservatoryStatus(t *testing.T) {
	for _, tt := range []struct {
		status int
		graded bool
	}{{200, true}, {302, true}, {401, true}, {403, true}, {404, false}, {500, false}, {101, false}} {
		o := &audit.Observations{Domain: "example.test", HTTP: []*audit.HTTPObservation{
			{URL: "https://example.test/", Responses: []audit.HTTPResponse{{URL: "https://example.test/", Status: tt.status}}},
		}}
		if got := Observatory(o) != nil; got != tt.graded {
			t.Errorf("status %d: graded %v, want %v", tt.status, got, tt.graded)
		}
	}
}

func TestLeadingInt(t *testing.T) {
	type res struct {
		N  int64
		OK bool
	}
	for in, want := range map[string]res{
		"15552000": {15552000, true}, " 42;": {42, true}, "-5": {-5, true}, "+7x": {7, true},
		"": {0, false}, `"1"`: {0, false}, "x1": {0, false},
	} {
		n, ok := leadingInt(in)
		if diff := cmp.Diff(want, res{n, ok}); diff != "" {
			t.Errorf("leadingInt(%q) (-want +got):\n%s", in, diff)
		}
	}
}

// TestParseObsCSPMerge checks the merge of a header policy with <meta>
// policies, as the MDN HTTP Observatory 1.4.8 merges them: a directive
// keeps the sources every policy giving it allows.
func TestParseObsCSPMerge(t *testing.T) {
	for _, tc := range []struct {
		name     string
		policies []string
		want     cspMap
	}{
		{"one policy", []string{"default-src 'self' https://a.example; script-src 'self' https://cdn.example/js/ https://cdn.example/js/a.js"},
			cspMap{"default-src": {"'self'", "https://a.example"}, "script-src": {"'self'", "https://cdn.example/js/"}}},
		{"sources in both", []string{"default-src 'self' https://a.example", "default-src 'self' https://b.example"},
			cspMap{"default-src": {"'self'"}}},
		{"directive of the header only", []string{"default-src 'self'; script-src https://a.example", "default-src 'self'"},
			cspMap{"default-src": {"'self'"}, "script-src": {"https://a.example"}}},
		{"directive of the meta only is none", []string{"default-src 'self'", "default-src 'self'; img-src https://b.example"},
			cspMap{"default-src": {"'self'"}, "img-src": {"'none'"}}},
		{"path under a source", []string{"script-src https://cdn.example/js/", "script-src https://cdn.example/js/a.js https://cdn.example/css/b.js"},
			cspMap{"script-src": {"https://cdn.example/js/a.js"}}},
		{"nothing in common", []string{"script-src https://a.example", "script-src 'unsafe-inline'"},
			cspMap{"script-src": {"'none'"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := parseObsCSP(tc.policies)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("parseObsCSP(%q) (-want +got):\n%s", tc.policies, diff)
			}
		})
	}
	if _, _, err := parseObsCSP([]string{"script-src https://a.example/%zz", "script-src https://a.example/%zz"}); err == nil {
		t.Error("a bad percent escape in merged policies: no error")
	}
}

// TestObservatoryMetaCSP checks the CSP outcome of a header policy beside
// a <meta> one: the header's 'unsafe-inline' is not allowed by the meta
// policy, so the merged policy has none.
func TestObservatoryMetaCSP(t *testing.T) {
	o := htmlSite(map[string][]string{"Strict-Transport-Security": {"max-age=63072000"}, "Content-Security-Policy": {"default-src 'self'; script-src 'self' 'unsafe-inline'"}},
		`<head><meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'"></head>`)
	if got, want := obsResults(Observatory(o))["content-security-policy"], "csp-implemented-with-no-unsafe"; got != want {
		t.Errorf("content-security-policy = %s, want %s", got, want)
	}
}

// TestObservatoryPageParsing checks how the profile reads scripts as the
// MDN HTTP Observatory 1.4.8's parser (jsdom, no scripting) does: the
// content of <noscript> is markup, and <base href> resolves script URLs.
func TestObservatoryPageParsing(t *testing.T) {
	hsts := map[string][]string{"Strict-Transport-Security": {"max-age=63072000"}}
	for _, tc := range []struct {
		name, body, want string
	}{
		{"script in noscript", `<noscript><script src="http://evil.example/a.js"></script></noscript>`, "sri-not-implemented-and-external-scripts-not-loaded-securely"},
		{"meta csp in noscript", `<head><noscript><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></noscript></head>`, "sri-not-implemented-but-no-scripts-loaded"},
		{"base elsewhere", `<head><base href="http://cdn.other.example/"></head><script src="/js/a.js"></script>`, "sri-not-implemented-and-external-scripts-not-loaded-securely"},
		{"base of the site", `<head><base href="https://www.example.test/"></head><script src="/js/a.js"></script>`, "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"},
		{"relative base", `<head><base href="/static/"></head><script src="js/a.js"></script>`, "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"},
		{"second base ignored", `<base target="_top"><base href="https://a.example/"><base href="http://b.example/"><script src="a.js" integrity="sha384-x" crossorigin></script>`, "sri-implemented-and-external-scripts-loaded-securely"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := obsResults(Observatory(htmlSite(hsts, tc.body)))["subresource-integrity"]; got != tc.want {
				t.Errorf("subresource-integrity = %s, want %s", got, tc.want)
			}
		})
	}
	o := htmlSite(hsts, `<noscript><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></noscript>`)
	if got, want := obsResults(Observatory(o))["content-security-policy"], "csp-implemented-with-no-unsafe-default-src-none"; got != want {
		t.Errorf("meta in noscript: content-security-policy = %s, want %s", got, want)
	}
}

// TestObservatoryRedirectLoop checks that a chain ending in a redirect
// loop is graded on its last response, a redirect, as the MDN HTTP
// Observatory grades the response it gets after 10 redirects.
func TestObservatoryRedirectLoop(t *testing.T) {
	h := map[string][]string{"Strict-Transport-Security": {"max-age=63072000"}, "X-Frame-Options": {"DENY"}}
	o := &audit.Observations{Domain: "example.test", HTTP: []*audit.HTTPObservation{
		{URL: "http://example.test/", Error: "httpprobe: redirect loop: https://example.test/a redirects to https://example.test/, already visited", Responses: []audit.HTTPResponse{
			{URL: "http://example.test/", Status: 301, Location: "https://example.test/"},
			{URL: "https://example.test/", Status: 302, Location: "https://example.test/a", Headers: h},
			{URL: "https://example.test/a", Status: 302, Location: "https://example.test/", Headers: h},
		}},
		{URL: "https://example.test/", Error: "httpprobe: redirect loop: https://example.test/a redirects to https://example.test/, already visited", Responses: []audit.HTTPResponse{
			{URL: "https://example.test/", Status: 302, Location: "https://example.test/a", Headers: h},
			{URL: "https://example.test/a", Status: 302, Location: "https://example.test/", Headers: h},
		}},
	}}
	s := Observatory(o)
	if s == nil {
		t.Fatal("no grade for a redirect loop")
	}
	if s.URL != "https://example.test/a" {
		t.Errorf("graded %s, want the last response, https://example.test/a", s.URL)
	}
	if got := obsResults(s)["x-frame-options"]; got != "x-frame-options-sameorigin-or-deny" {
		t.Errorf("x-frame-options = %s: the last response's headers were not read", got)
	}
	// A chain that stopped on an error of another kind gives no grade.
	o.HTTP[0].Error, o.HTTP[1].Error = "httpprobe: connection refused", "httpprobe: connection refused"
	if s := Observatory(o); s != nil {
		t.Errorf("a chain stopped by an error was graded: %+v", s)
	}
}
