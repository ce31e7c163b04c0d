package profile

import (
	"testing"

	"vigie.eu/vigie/internal/audit"
)

// site returns observations of example.test whose https:// page answers
// with headers and body, and whose http:// page redirects to it.
func site(headers map[string][]string, body string, cookies ...audit.Cookie) *audit.Observations {
	return &audit.Observations{
		Domain: "example.test",
		HTTP: []*audit.HTTPObservation{
			{URL: "http://example.test/", Responses: []audit.HTTPResponse{
				{URL: "http://example.test/", Status: 301, Location: "https://example.test/"},
				{URL: "https://example.test/", Status: 200, Headers: headers},
			}},
			{URL: "https://example.test/", Body: body, Responses: []audit.HTTPResponse{
				{URL: "https://example.test/", Status: 200, Headers: headers, Cookies: cookies},
			}},
		},
	}
}

func TestObservatory(t *testing.T) {
	strict := map[string][]string{
		"Content-Type":                 {"text/html"},
		"Content-Security-Policy":      {"default-src 'none'; script-src 'self'; form-action 'self'; frame-ancestors 'none'"},
		"Strict-Transport-Security":    {"max-age=63072000"},
		"X-Content-Type-Options":       {"nosniff"},
		"Referrer-Policy":              {"no-referrer"},
		"Cross-Origin-Resource-Policy": {"same-origin"},
	}
	tests := []struct {
		name    string
		o       *audit.Observations
		score   int
		grade   string
		results map[string]string
	}{
		// Bonuses: CSP 10, referrer 5, framing via CSP 5, CORP 10 and
		// SRI (scripts from the same origin with integrity) 5.
		{"strict", site(strict, `<script src="/a.js" integrity="sha384-x"></script>`), 135, "A+", map[string]string{
			"content-security-policy": "csp-implemented-with-no-unsafe-default-src-none",
			"subresource-integrity":   "sri-implemented-and-all-scripts-loaded-securely",
			"redirection":             "redirection-to-https",
		}},
		// Nothing set: CSP -25, HSTS -20, XCTO -5, XFO -20; SRI is 0
		// for a page that is not HTML.
		{"bare", site(nil, ""), 30, "D", map[string]string{
			"content-security-policy":   "csp-not-implemented",
			"strict-transport-security": "hsts-not-implemented",
			"x-frame-options":           "x-frame-options-not-implemented",
			"subresource-integrity":     "sri-not-implemented-response-not-html",
			"cookies":                   "cookies-not-found",
		}},
		// Bonuses are not added below 90: -25 for CSP, +5 referrer not
		// counted.
		{"no bonus under 90", site(map[string][]string{
			"Strict-Transport-Security": {"max-age=63072000"},
			"X-Content-Type-Options":    {"nosniff"},
			"X-Frame-Options":           {"DENY"},
			"Referrer-Policy":           {"strict-origin-when-cross-origin"},
		}, ""), 75, "B", nil},
		{"session cookie", site(map[string][]string{
			"Strict-Transport-Security": {"max-age=100"},
		}, "", audit.Cookie{Name: "SESSIONID"}), 0, "F", map[string]string{
			"cookies":                   "cookies-session-without-secure-flag",
			"strict-transport-security": "hsts-implemented-max-age-less-than-six-months",
		}},
		{"insecure external script", site(map[string][]string{"Content-Type": {"text/html; charset=utf-8"}},
			`<script src="http://cdn.other.test/x.js"></script>`), 0, "F", map[string]string{
			"subresource-integrity": "sri-not-implemented-and-external-scripts-not-loaded-securely",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Observatory(tt.o)
			if s == nil {
				t.Fatal("Observatory = nil")
			}
			if s.Score != tt.score || s.Grade != tt.grade {
				t.Errorf("score %d %s, want %d %s; tests %+v", s.Score, s.Grade, tt.score, tt.grade, s.Tests)
			}
			for name, want := range tt.results {
				for _, test := range s.Tests {
					if test.Name == name && test.Result != want {
						t.Errorf("%s: %s, want %s", name, test.Result, want)
					}
				}
			}
		})
	}
	if s := Observatory(&audit.Observations{Domain: "example.test"}); s != nil {
		t.Errorf("no page: %+v, want nil", s)
	}
}

func TestSSLLabs(t *testing.T) {
	yes := true
	modern := func() *audit.TLSObservation {
		return &audit.TLSObservation{
			Host: "example.test",
			Protocols: []audit.TLSProtocol{
				{Version: audit.TLS12, Accepted: true, Suites: []audit.CipherSuite{{Name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", KeyExchange: "ECDHE", Cipher: "AES_128_GCM", MAC: "AEAD", Bits: 128}, {Name: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", KeyExchange: "ECDHE", Cipher: "AES_256_GCM", MAC: "AEAD", Bits: 256}}},
				{Version: audit.TLS13, Accepted: true},
			},
			Certificates:        []audit.Certificate{{KeyType: "RSA", KeyBits: 2048}},
			Verification:        &audit.CertVerification{Trusted: true, HostnameMatch: true},
			SecureRenegotiation: &yes,
		}
	}
	legacy := modern()
	legacy.Protocols = append(legacy.Protocols, audit.TLSProtocol{Version: audit.TLS10, Accepted: true, Suites: []audit.CipherSuite{{KeyExchange: "RSA", Cipher: "3DES_EDE_CBC", MAC: "SHA", Bits: 112}}})
	untrusted := modern()
	untrusted.Verification.Trusted = false
	tests := []struct {
		name  string
		t     *audit.TLSObservation
		score int
		grade string
		caps  int
	}{
		// Protocol 100, key exchange 90, cipher (80+100)/2 = 90:
		// 0.3*100 + 0.3*90 + 0.4*90 = 93.
		{"modern", modern(), 93, "A", 0},
		// Protocol (100+90)/2 = 95, cipher (100+20)/2 = 60: 28.5 + 27 +
		// 24 = 79.5, rounded 80; capped at C by 3DES and B by TLS 1.0.
		{"legacy", legacy, 80, "C", 2},
		{"untrusted", untrusted, 93, "F", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := SSLLabs(&audit.Observations{TLS: []*audit.TLSObservation{tt.t}})
			if s == nil || s.Score != tt.score || s.Grade != tt.grade || len(s.Caps) != tt.caps {
				t.Errorf("SSLLabs = %+v, want %d %s with %d caps", s, tt.score, tt.grade, tt.caps)
			}
		})
	}
	if s := SSLLabs(&audit.Observations{TLS: []*audit.TLSObservation{{Error: "refused"}}}); s != nil {
		t.Errorf("no TLS: %+v, want nil", s)
	}
}

// observedAll is a minimal audit where DNS, TLS and the web site were
// observed and nothing was wrong.
func observedAll() *audit.Observations {
	return &audit.Observations{
		Domain: "example.test",
		DNS:    &audit.DNSObservation{Exists: true, Queries: []audit.DNSQuery{{Name: "example.test", Type: "SOA", Rcode: "NOERROR", Answers: 1}}},
		TLS:    []*audit.TLSObservation{{Host: "example.test", Port: 443}},
		HTTP: []*audit.HTTPObservation{{
			URL:       "https://example.test/",
			Responses: []audit.HTTPResponse{{URL: "https://example.test/", Status: 200}},
		}},
	}
}

func TestInternetNL(t *testing.T) {
	o := observedAll()
	if s := InternetNL(nil, o); s == nil || s.Percent != 100 {
		t.Errorf("clean: %+v, want 100%%", s)
	}
	// IPv6 1/2, DNSSEC 2/2, HTTPS 9/10: (50 + 100 + 90) / 3 = 80.
	fs := []audit.Finding{{ID: "dns.ipv6.ns_missing"}, {ID: "http.hsts.missing"}, {ID: "http.csp.missing"}}
	s := InternetNL(fs, o)
	if s == nil || s.Percent != 80 {
		t.Fatalf("InternetNL = %+v, want 80%%", s)
	}
	for _, test := range s.Tests {
		if test.Name == "options/content_security_policy" && (test.Pass || test.Weight != 0) {
			t.Errorf("options test %+v: want failed and not counted", test)
		}
	}
	if s := InternetNL(nil, &audit.Observations{}); s != nil {
		t.Errorf("nothing observed: %+v, want nil", s)
	}
}

// TestAdd: the profiles are set on the score they sit beside, and
// nothing is set when nothing was graded.
func TestAdd(t *testing.T) {
	o := site(nil, "")
	o.TLS = observedAll().TLS
	s := &audit.Score{Grade: "B"}
	Add(s, nil, o)
	if s.Observatory == nil || s.InternetNL == nil || s.SSLLabs != nil || s.Grade != "B" {
		t.Errorf("Add = %+v, want observatory and internetnl, no ssllabs (no protocol accepted), the grade kept", s)
	}
	Add(nil, nil, o) // must not panic
}
