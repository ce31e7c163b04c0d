package audit

import (
	"slices"
	"strings"
)

// HTTPObservation is what the HTTP probe saw when it fetched one start URL
// and followed its redirects.
type HTTPObservation struct {
	// URL is the start URL ("http://example.test/").
	URL string `json:"url"`
	// Responses is the redirect chain, the start URL first. The last one
	// is the final response (or the one where the chain stopped).
	Responses []HTTPResponse `json:"responses,omitempty"`
	// Error says why the chain stopped without a final response
	// (connection refused, timeout, too many redirects, TLS error).
	Error string `json:"error,omitempty"`
	// Body is the start of the final response's body (capped), kept for
	// page analysis (mixed content, third-party scripts).
	Body string `json:"body,omitempty"`
	// BodyTruncated is true when the body was longer than the cap.
	BodyTruncated bool `json:"body_truncated,omitempty"`
	// BodyError says why reading the final body stopped early (a
	// timeout, a reset); Body then holds what arrived before.
	BodyError string `json:"body_error,omitempty"`
	// LateElements are the start tags of the page met after Body's cap:
	// the probe reads on, up to a larger scan cap, and keeps only the
	// tags, as a browser or the MDN HTTP Observatory would meet them in
	// the whole page (a late insecure script). Empty when the body was
	// not truncated.
	LateElements []HTMLElement `json:"late_elements,omitempty"`
	// LateNoscript are the tags inside the <noscript> content of the
	// page after Body's cap: markup to a parser with scripting disabled
	// (ElementsNoScripting), text to a browser.
	LateNoscript []HTMLElement `json:"late_noscript,omitempty"`
	// LateTruncated is true when the page was longer than the scan cap,
	// or had more tags than the probe keeps: tags after that were not
	// seen.
	LateTruncated bool `json:"late_truncated,omitempty"`
	// LateError says why reading the page after Body's cap stopped early.
	LateError string `json:"late_error,omitempty"`
}

// HTTPResponse is one response of a redirect chain.
type HTTPResponse struct {
	URL    string `json:"url"`
	Status int    `json:"status"`
	// Headers holds the response headers, canonical names, in order
	// of appearance within each name.
	Headers map[string][]string `json:"headers,omitempty"`
	// Cookies are the Set-Cookie headers of this response, parsed.
	Cookies []Cookie `json:"cookies,omitempty"`
	// Location is the redirect target, resolved against URL.
	Location string `json:"location,omitempty"`
	// TLSVersion is the negotiated version when the URL is https.
	TLSVersion string `json:"tls_version,omitempty"`
	// Error says why this request got no response; Status is then 0.
	Error string `json:"error,omitempty"`
	// TLSUnverified is true when the certificate of this https URL
	// failed verification and the response was fetched again without
	// verifying it, so that its headers could still be observed. The
	// TLS probe reports the certificate problem itself.
	TLSUnverified bool `json:"tls_unverified,omitempty"`
	// TLSError is the certificate verification error when
	// TLSUnverified is true.
	TLSError string `json:"tls_error,omitempty"`
}

// Final returns the last response of the chain, or nil.
func (h *HTTPObservation) Final() *HTTPResponse {
	if h == nil || len(h.Responses) == 0 {
		return nil
	}
	return &h.Responses[len(h.Responses)-1]
}

// Answer returns the final response of the chain when the chain ended on
// one: no error on the chain nor on that response, and a status. It
// returns nil when the chain stopped early (a refused connection, a
// timeout, too many redirects).
func (h *HTTPObservation) Answer() *HTTPResponse {
	if h == nil || h.Error != "" {
		return nil
	}
	r := h.Final()
	if r == nil || r.Status == 0 || r.Error != "" {
		return nil
	}
	return r
}

// HTTPS reports whether the response is that of an https:// URL.
func (r *HTTPResponse) HTTPS() bool {
	return r != nil && len(r.URL) >= len("https://") && strings.EqualFold(r.URL[:len("https://")], "https://")
}

// Header returns the values of the named response header, in the order
// they came, or nil when it is absent. The name is matched without regard
// to case: the probe records canonical names ("Content-Type"), saved or
// hand-written observations may not.
func (r *HTTPResponse) Header(name string) []string {
	if r == nil {
		return nil
	}
	var first string
	n := 0
	for k := range r.Headers {
		if strings.EqualFold(k, name) {
			first = k
			n++
		}
	}
	switch n {
	case 0:
		return nil
	case 1:
		return r.Headers[first]
	}
	// Names differing only in case are one header (RFC 9110, section
	// 5.1): their values are joined, the keys in sorted order so that
	// the result does not depend on the order of the map.
	var keys []string
	for k := range r.Headers {
		if strings.EqualFold(k, name) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var vals []string
	for _, k := range keys {
		vals = append(vals, r.Headers[k]...)
	}
	return vals
}

// Cookie is one Set-Cookie header, parsed (RFC 6265 section 5.2).
type Cookie struct {
	Name     string `json:"name"`
	Domain   string `json:"domain,omitempty"`
	Path     string `json:"path,omitempty"`
	Secure   bool   `json:"secure"`
	HttpOnly bool   `json:"http_only"`
	// SameSite is "Strict", "Lax", "None" or "" when absent.
	SameSite string `json:"same_site,omitempty"`
	// Raw is the header as received, value elided.
	Raw string `json:"raw,omitempty"`
	// Expires is the Expires attribute as written, "" when absent.
	Expires string `json:"expires,omitempty"`
	// MaxAge is the Max-Age attribute as written, "" when absent. With
	// Expires, it tells a cookie being deleted from one being set.
	MaxAge string `json:"max_age,omitempty"`
}

// SecurityTxtObservation is what was found at /.well-known/security.txt
// (RFC 9116), over HTTPS.
type SecurityTxtObservation struct {
	URL         string `json:"url"`
	Status      int    `json:"status"`
	ContentType string `json:"content_type,omitempty"`
	// Body is the file (capped).
	Body  string `json:"body,omitempty"`
	Error string `json:"error,omitempty"`
	// TLSUnverified is true when the certificate failed verification
	// and the file was fetched again without verifying it.
	TLSUnverified bool `json:"tls_unverified,omitempty"`
}
