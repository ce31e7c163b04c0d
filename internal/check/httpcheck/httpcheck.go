// Package httpcheck judges what the HTTP probe saw: HTTPS and the redirect
// to it, the security headers of the final HTTPS pages (HSTS, CSP,
// X-Content-Type-Options, framing, Referrer-Policy, Permissions-Policy),
// cookies, software versions disclosed, security.txt (RFC 9116), mixed
// content and third-party scripts without Subresource Integrity.
//
// Its checks are pure functions of audit.Observations: no network, no
// clock. It does not judge certificates or TLS versions (see tlscheck),
// nor what a browser would load beyond the first HTML page.
package httpcheck

import (
	"net/url"
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

// Checks lists every check of the package, in report order.
var Checks = []audit.Check{
	HTTPS,
	Redirect,
	HSTS,
	CSP,
	ContentTypeOptions,
	Framing,
	ReferrerPolicy,
	PermissionsPolicy,
	COOP,
	Cookies,
	Disclosure,
	SecurityTxt,
	MixedContent,
	SRI,
}

// page is the final HTTPS response of an https:// start URL: what the
// header and content checks judge.
type page struct {
	host string // host name of the final URL: the subject of findings
	url  *url.URL
	resp *audit.HTTPResponse
	obs  *audit.HTTPObservation
}

// pages returns the final responses of the https:// start URLs that ended
// on an https:// URL, once per final URL, in the order of the start URLs.
func pages(o *audit.Observations) []page {
	var ps []page
	seen := map[string]bool{}
	for _, h := range o.HTTP {
		if h == nil || !strings.HasPrefix(strings.ToLower(h.URL), "https://") {
			continue
		}
		r := h.Answer()
		if r == nil {
			continue
		}
		u, err := url.Parse(r.URL)
		if err != nil || u.Scheme != "https" || seen[r.URL] {
			continue
		}
		seen[r.URL] = true
		ps = append(ps, page{host: strings.ToLower(u.Hostname()), url: u, resp: r, obs: h})
	}
	return ps
}

// headerProblem is the evidence against the header name of page p: "no
// name header on URL" when p has none, else its values, quoted, and what
// is wrong with them.
func headerProblem(p page, name, wrong string) audit.Message {
	values := p.resp.Header(name)
	if len(values) == 0 {
		return noHeader(p, name)
	}
	return audit.M(wrong, "header", name, "value", evidence.Quote(strings.Join(values, ", ")))
}

// noHeader is the evidence that page p has no header name.
func noHeader(p page, name string) audit.Message {
	return audit.M("http.header.missing", "header", name, "url", evidence.Quote(p.resp.URL))
}

// hostOf returns the lower-case host name of a URL, or "" when it has none.
func hostOf(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// findings collects findings once per definition, subject and evidence.
type findings struct {
	list []audit.Finding
	seen map[[3]string]bool
}

func (f *findings) add(d *audit.Definition, subject string, evidence audit.Message) {
	if f.seen == nil {
		f.seen = map[[3]string]bool{}
	}
	k := [3]string{d.ID, subject, evidence.Render("en")}
	if f.seen[k] {
		return
	}
	f.seen[k] = true
	f.list = append(f.list, d.New(subject, evidence))
}
