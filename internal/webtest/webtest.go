// Package webtest holds what the fake web sites serve: the security
// headers, cookie and security.txt of a well configured site, and the
// headers and cookie of a neglected one, written once for the lab
// (internal/lab) and the engine's test lab (internal/engine/enginetest).
// A test holds the e2e lab's nginx (e2e/lab/headers.conf) to the same
// headers.
//
// It serves nothing itself and, like net/http/httptest, does not import
// testing: the lab is part of the vigie binary.
package webtest

import (
	"fmt"
	"net/http"
	"time"
)

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

// GoodCookie is the session cookie of a well configured site: HttpOnly,
// SameSite=Lax, and Secure when served over HTTPS.
func GoodCookie(https bool) *http.Cookie {
	return &http.Cookie{Name: "session", Value: "x", Path: "/", Secure: https, HttpOnly: true, SameSite: http.SameSiteLaxMode}
}

// SecurityTxt is the security.txt of domain (RFC 9116): a contact, an
// expiry 180 days after now, and the languages.
func SecurityTxt(domain string, now time.Time) string {
	return fmt.Sprintf("Contact: mailto:securite@%s\nExpires: %s\nPreferred-Languages: fr, en\n",
		domain, now.Add(180*24*time.Hour).UTC().Format(time.RFC3339))
}

// SetNeglectedHeaders sets the headers of a neglected site on h: no
// security header, and software versions told.
func SetNeglectedHeaders(h http.Header) {
	h.Set("Server", "Apache/2.4.41 (Ubuntu)")
	h.Set("X-Powered-By", "PHP/7.4.3")
}

// NeglectedCookie is the session cookie of a neglected site: no flag.
func NeglectedCookie() *http.Cookie {
	return &http.Cookie{Name: "PHPSESSID", Value: "x", Path: "/"}
}
