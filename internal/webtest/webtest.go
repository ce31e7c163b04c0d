// Package webtest holds what the fake web sites serve: the security
// headers of a well configured site, written once for the lab
// (internal/lab), the engine's test lab (internal/engine/enginetest) and,
// held by a test, the e2e lab's nginx (e2e/lab/headers.conf).
//
// It serves nothing itself and, like net/http/httptest, does not import
// testing: the lab is part of the vigie binary.
package webtest

import "net/http"

// Header is one response header.
type Header struct {
	Name, Value string
}

// GoodHeaders returns the security headers of a well configured site, in
// the order they are sent: every HTTP check of vigie accepts them. The
// first, Strict-Transport-Security, belongs on HTTPS responses only (RFC
// 6797 section 7.2).
func GoodHeaders() []Header {
	return []Header{
		// RFC 6797: two years, subdomains too.
		{"Strict-Transport-Security", "max-age=63072000; includeSubDomains"},
		// CSP Level 3: nothing from elsewhere, no plug-ins, no framing.
		{"Content-Security-Policy", "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"},
		{"X-Content-Type-Options", "nosniff"},
		{"X-Frame-Options", "DENY"},
		{"Referrer-Policy", "strict-origin-when-cross-origin"},
		{"Permissions-Policy", "geolocation=(), camera=(), microphone=()"},
	}
}

// SetGoodHeaders sets GoodHeaders on h; Strict-Transport-Security only
// when https.
func SetGoodHeaders(h http.Header, https bool) {
	for _, x := range GoodHeaders() {
		if x.Name == "Strict-Transport-Security" && !https {
			continue
		}
		h.Set(x.Name, x.Value)
	}
}
