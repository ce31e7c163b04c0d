package profile

// The observatory profile follows the published scoring of the MDN HTTP
// Observatory (algorithm version 4, 2024), written from its documentation:
//
//   - "HTTP Observatory Scoring Methodology", MDN,
//     https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring
//     (baseline 100; penalties first; bonuses only when the score after
//     penalties is 90 or more; minimum 0; the grading chart; the tests and
//     their score modifiers);
//   - "Frequently Asked Questions", https://observatory.mozilla.org/faq/.
//
// It grades the final response of https://DOMAIN/ (or, when there is no
// HTTPS answer, of http://DOMAIN/), as the Observatory grades the host it
// is given, and the redirections of http://DOMAIN/. Where the published
// text leaves a detail open (which CSP sources are too broad, the order of
// the cookie outcomes, the HSTS threshold in seconds), the profile follows
// what the Observatory does: e2e/observatory.sh runs its npm package
// (@mdn/mdn-http-observatory 1.4.8) on every lab site and fails when its
// score, grade or any test outcome differs from this profile's.
//
// Known differences, each because vigie's probe does not observe what the
// Observatory fetches:
//
//   - the HSTS preload list is taken as empty (as when the Observatory
//     runs with an empty conf/hsts-preload.json): "hsts-preloaded" and
//     "redirection-all-redirects-preloaded" never come;
//   - CORS: the Observatory sends a preflight request (OPTIONS, with an
//     Origin header) and judges its answer; vigie sends none, and judges
//     the Access-Control-Allow-Origin of the page itself (see obsCORS);
//   - cookies: the Observatory's cookie jar also refuses cookies (a
//     Domain attribute that does not match the host, for one) and expires
//     them by date; vigie applies replacement and Max-Age only;
//
// and where vigie reads the page once for the checks and the profiles
// (internal/audit's accessors) rather than as the Observatory's
// JavaScript does:
//
//   - merging policies, sources are sorted by their bytes, where the
//     Observatory sorts them with the English collation (Intl.Collator);
//     both put a source right before those it starts, which is what the
//     merge compares;
//   - CSP sources are split on ASCII white space, as CSP Level 3 says; the
//     Observatory splits on JavaScript's \s, which also counts \v and
//     Unicode spaces;
//   - of an HTML attribute given twice, the first counts, as the HTML
//     tokenizer says (the Observatory's parser does the same).

import (
	"errors"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/publicsuffix"

	"vigie.eu/vigie/internal/audit"
)

// observatoryAlgorithm names what the profile follows.
const observatoryAlgorithm = "MDN HTTP Observatory scoring, algorithm version 4 (developer.mozilla.org/en-US/observatory/docs/tests_and_scoring)"

// observatoryModifiers is the published table of score modifiers, by
// expectation name.
var observatoryModifiers = map[string]int{
	"csp-implemented-with-no-unsafe-default-src-none":              10,
	"csp-implemented-with-no-unsafe":                               5,
	"csp-implemented-with-unsafe-inline-in-style-src-only":         0,
	"csp-implemented-with-insecure-scheme-in-passive-content-only": -10,
	"csp-implemented-with-unsafe-eval":                             -10,
	"csp-implemented-with-unsafe-inline":                           -20,
	"csp-implemented-with-insecure-scheme":                         -20,
	"csp-header-invalid":                                           -25,
	"csp-not-implemented":                                          -25,

	"cookies-secure-with-httponly-sessions-and-samesite":        5,
	"cookies-secure-with-httponly-sessions":                     0,
	"cookies-not-found":                                         0,
	"cookies-without-secure-flag-but-protected-by-hsts":         -5,
	"cookies-session-without-secure-flag-but-protected-by-hsts": -10,
	"cookies-without-secure-flag":                               -20,
	"cookies-samesite-flag-invalid":                             -20,
	"cookies-anticsrf-without-samesite-flag":                    -20,
	"cookies-session-without-httponly-flag":                     -30,
	"cookies-session-without-secure-flag":                       -40,

	"cross-origin-resource-sharing-not-implemented":                    0,
	"cross-origin-resource-sharing-implemented-with-public-access":     0,
	"cross-origin-resource-sharing-implemented-with-restricted-access": 0,
	"cross-origin-resource-sharing-implemented-with-universal-access":  -50,

	"redirection-to-https":                            0,
	"redirection-not-needed-no-http":                  0,
	"redirection-off-host-from-http":                  -5,
	"redirection-not-to-https-on-initial-redirection": -10,
	"redirection-not-to-https":                        -20,
	"redirection-missing":                             -20,
	"redirection-invalid-cert":                        -20,

	"referrer-policy-private":         5,
	"referrer-policy-not-implemented": 0,
	"referrer-policy-unsafe":          -5,
	"referrer-policy-header-invalid":  -5,

	"hsts-preloaded": 5,
	"hsts-implemented-max-age-at-least-six-months":  0,
	"hsts-implemented-max-age-less-than-six-months": -10,
	"hsts-not-implemented":                          -20,
	"hsts-header-invalid":                           -20,
	"hsts-not-implemented-no-https":                 -20,
	"hsts-invalid-cert":                             -20,

	"sri-implemented-and-all-scripts-loaded-securely":               5,
	"sri-implemented-and-external-scripts-loaded-securely":          5,
	"sri-not-implemented-response-not-html":                         0,
	"sri-not-implemented-but-no-scripts-loaded":                     0,
	"sri-not-implemented-but-all-scripts-loaded-from-secure-origin": 0,
	"sri-not-implemented-but-external-scripts-loaded-securely":      -5,
	"sri-implemented-but-external-scripts-not-loaded-securely":      -20,
	"sri-not-implemented-and-external-scripts-not-loaded-securely":  -50,

	"x-content-type-options-nosniff":         0,
	"x-content-type-options-not-implemented": -5,
	"x-content-type-options-header-invalid":  -5,

	"x-frame-options-implemented-via-csp": 5,
	"x-frame-options-sameorigin-or-deny":  0,
	"x-frame-options-allow-from-origin":   0,
	"x-frame-options-not-implemented":     -20,
	"x-frame-options-header-invalid":      -20,

	"corp-implemented-with-same-origin":  10,
	"corp-implemented-with-same-site":    10,
	"corp-implemented-with-cross-origin": 0,
	"corp-not-implemented":               0,
	"corp-header-invalid":                -5,

	// Outcomes of the Observatory's code (1.4.8) not in the published
	// table; vigie's observations never lead to the last two (no HSTS
	// preload list, and golang.org/x/net/html parses any page).
	"csp-implemented-but-duplicate-directives":  0,
	"csp-not-implemented-but-reporting-enabled": -25,
	"redirection-all-redirects-preloaded":       0,
	"html-not-parseable":                        -20,
}

// observatoryGrades is the grading chart: the lowest score of each grade.
var observatoryGrades = []struct {
	min   int
	grade string
}{
	{100, "A+"}, {90, "A"}, {85, "A-"}, {80, "B+"}, {70, "B"}, {65, "B-"},
	{60, "C+"}, {50, "C"}, {45, "C-"}, {40, "D+"}, {30, "D"}, {25, "D-"}, {0, "F"},
}

// Six months, the HSTS threshold of the Observatory: 180 days, the
// SIX_MONTHS of its HSTS test (1.4.8), not the 15768000 s of the
// published text.
const sixMonths = 15552000

// observatoryPage is what the Observatory profile grades.
type observatoryPage struct {
	// resp is the graded response: the end of the https://DOMAIN/ chain
	// when that chain answered at all (a certificate error included),
	// else the end of the http://DOMAIN/ chain. The Observatory calls it
	// "auto".
	resp *audit.HTTPResponse
	// elements are the start tags of its body, when its Content-Type is
	// one the Observatory reads as HTML.
	elements []audit.HTMLElement
	// https is whether the chain of resp began with https://: the
	// Observatory judges insecure CSP sources only then.
	https bool
	host  string
	// domain is the audited domain, the host the Observatory is given.
	domain string
	// chain is the chain that ends at resp: its cookies are the ones
	// the Observatory's cookie jar keeps.
	chain []audit.HTTPResponse
	// httpsResp is the end of the https://DOMAIN/ chain, nil when it did
	// not answer; httpsUnverified is whether a certificate on that chain
	// failed verification.
	httpsResp       *audit.HTTPResponse
	httpsUnverified bool
	// httpChain is the chain of http://DOMAIN/, nil when not observed.
	httpChain *audit.HTTPObservation
	// meta holds the policies the page declares in <meta> elements.
	meta pageMeta
}

// Observatory computes the MDN HTTP Observatory profile of o, or nil when
// no page of the domain answered, or when the graded page answered with a
// status the Observatory refuses to grade: it grades 2xx, 3xx, 401 and 403
// only, and reports an error for any other.
func Observatory(o *audit.Observations) *audit.ObservatoryScore {
	p := observatoryTarget(o)
	if p == nil {
		return nil
	}
	if st := p.resp.Status; st < 200 || (st >= 400 && st != 401 && st != 403) {
		return nil
	}
	csp, cspData := obsCSP(p)
	tests := []audit.ObservatoryTest{
		obsTest("content-security-policy", csp),
		obsTest("cookies", obsCookies(p)),
		obsTest("cross-origin-resource-sharing", obsCORS(p)),
		obsTest("redirection", obsRedirection(p)),
		obsTest("referrer-policy", obsReferrer(p)),
		obsTest("strict-transport-security", obsHSTS(p)),
		obsTest("subresource-integrity", obsSRI(p)),
		obsTest("x-content-type-options", obsXCTO(p)),
		obsTest("x-frame-options", obsXFO(p, cspData)),
		obsTest("cross-origin-resource-policy", obsCORP(p)),
	}
	s := &audit.ObservatoryScore{Algorithm: observatoryAlgorithm, URL: p.resp.URL, Tests: tests}
	// Two rounds: penalties, then bonuses only from 90 (an A).
	penalties, bonuses := 0, 0
	for _, t := range tests {
		if t.Pass {
			s.TestsPassed++
		}
		if t.Modifier < 0 {
			penalties += t.Modifier
		} else {
			bonuses += t.Modifier
		}
	}
	score := 100 + penalties
	if score >= 90 {
		score += bonuses
	}
	s.Score = max(score, 0)
	// The chart is by steps of five; above 100 is A+.
	for _, g := range observatoryGrades {
		if s.Score >= g.min {
			s.Grade = g.grade
			break
		}
	}
	return s
}

func obsTest(name, result string) audit.ObservatoryTest {
	m := observatoryModifiers[result]
	// A test passes when its outcome costs nothing.
	return audit.ObservatoryTest{Name: name, Result: result, Pass: m >= 0, Modifier: m}
}

// observatoryTarget picks the response the Observatory would grade.
func observatoryTarget(o *audit.Observations) *observatoryPage {
	if o == nil {
		return nil
	}
	p := &observatoryPage{}
	var httpsChain, httpChain *audit.HTTPObservation
	for _, h := range o.HTTP {
		if h == nil {
			continue
		}
		u, err := url.Parse(h.URL)
		if err != nil || !strings.EqualFold(u.Hostname(), o.Domain) {
			continue
		}
		ok := h.Answer() != nil || redirectsExhausted(h)
		switch u.Scheme {
		case "https":
			if ok {
				httpsChain = h
			}
		case "http":
			p.httpChain = h
			if ok {
				httpChain = h
			}
		}
	}
	h := httpsChain
	if h == nil {
		h = httpChain
	}
	if h == nil {
		return nil
	}
	p.resp, p.chain = h.Final(), h.Responses
	if isHTML(p.header("Content-Type")) {
		// The Observatory's parser runs no script: <noscript> content
		// is markup to it.
		p.elements = h.ElementsNoScripting()
	}
	p.https = h == httpsChain
	if httpsChain != nil {
		p.httpsResp = httpsChain.Final()
		for _, r := range httpsChain.Responses {
			p.httpsUnverified = p.httpsUnverified || r.TLSUnverified
		}
	}
	if u, err := url.Parse(p.resp.URL); err == nil {
		p.host = strings.ToLower(u.Hostname())
	}
	p.domain = strings.ToLower(o.Domain)
	p.meta = readMeta(p.elements)
	return p
}

// redirectsExhausted says whether the chain stopped on a redirect loop or
// after too many redirects, its last response being a redirect. The
// Observatory follows 10 redirects whatever they are, then grades the
// response it got, a redirect; vigie stops a loop as soon as a URL comes
// back, but a loop answers the same each time round, so its last response
// is the one the Observatory would grade.
func redirectsExhausted(h *audit.HTTPObservation) bool {
	r := h.Final()
	if r == nil || r.Error != "" || r.Status < 300 || r.Status > 399 {
		return false
	}
	code := audit.FailureCode(h.Error)
	return code == "http.redirect_loop" || code == "http.too_many_redirects"
}

// firstOnlyHeaders are the headers of which Node.js, the Observatory's
// runtime, keeps the first occurrence (http.IncomingMessage.headers);
// it joins the occurrences of the others with ", ".
var firstOnlyHeaders = []string{"content-type", "content-length", "location", "server", "etag", "expires", "last-modified"}

// header returns a header of the graded response as the Observatory sees
// it: its occurrences joined with ", ", or the first one for the headers
// of firstOnlyHeaders; "" when absent.
func (p *observatoryPage) header(name string) string {
	return nodeHeader(p.resp, name)
}

func nodeHeader(r *audit.HTTPResponse, name string) string {
	vals := r.Header(name)
	if len(vals) == 0 {
		return ""
	}
	if slices.Contains(firstOnlyHeaders, strings.ToLower(name)) {
		return vals[0]
	}
	return strings.Join(vals, ", ")
}

// pageMeta is what the Observatory reads from a page's <meta> elements:
// the content of each <meta http-equiv="Content-Security-Policy">, and
// the content of the last <meta name="referrer">.
type pageMeta struct {
	csp      []string
	referrer string
}

// readMeta reads the <meta> elements of an HTML page (HTML Living
// Standard, 4.2.5.3 "Pragma directives": http-equiv="content-security-policy";
// 4.2.5.1 "Standard metadata names": referrer).
func readMeta(els []audit.HTMLElement) pageMeta {
	var m pageMeta
	for _, el := range els {
		if el.Tag != "meta" {
			continue
		}
		equiv, hasEquiv := el.Attrs["http-equiv"]
		content, hasContent := el.Attrs["content"]
		switch {
		case hasEquiv && hasContent:
			if strings.ToLower(strings.TrimSpace(equiv)) == "content-security-policy" && content != "" {
				m.csp = append(m.csp, content)
			}
		case strings.ToLower(strings.TrimSpace(el.Attrs["name"])) == "referrer" && content != "":
			m.referrer = content
		}
	}
	return m
}

// Sources the Observatory's CSP test deems too broad (1.4.8).
var (
	cspBroad  = []string{"ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*", "https://*.*"}
	cspInline = []string{"'unsafe-inline'", "data:"}
)

// cspMetaDisallowed are the directives a <meta> policy cannot carry (CSP
// Level 3, 4.2 "Delivery via meta": frame-ancestors, report-uri and
// sandbox are ignored there).
var cspMetaDisallowed = []string{"frame-ancestors", "report-uri", "sandbox"}

// errCSP marks a policy the Observatory cannot parse.
var errCSP = errors.New("observatory: invalid policy")

// cspMap is a parsed policy: each directive (lower case) and its sources
// (lower case).
type cspMap map[string][]string

// parseObsCSP parses policies the way the Observatory does: directives
// split on ";", sources on white space, all in lower case; a directive
// repeated in a policy makes it invalid, except report-uri and report-to,
// which only set dup; a -src directive with no source means 'none'; a
// policy shorter than "img-src" is invalid.
//
// Several policies (a header and <meta> elements) are merged as the
// Observatory merges them, which keeps of a directive the sources that
// every policy giving it allows: the sources of each directive, in sorted
// order, are compared with their neighbour; a source of a later policy is
// kept when its neighbour comes from another policy and matches it (the
// same source, or a path under a source ending in "/"), a source that
// extends its neighbour of the same policy is dropped, and the first
// policy's sources are kept only through such a match once a later policy
// gives the directive. A directive left with no source is 'none'; one
// that only a later policy gives is therefore 'none' too.
func parseObsCSP(policies []string) (m cspMap, dup bool, err error) {
	type source struct {
		src   string
		index int
		keep  bool
	}
	merged := map[string][]*source{}
	var order []string
	for pi, pol := range policies {
		pol = strings.TrimSpace(strings.NewReplacer("\r", "", "\n", "").Replace(pol))
		if len(pol) < len("img-src")-1 {
			return nil, false, errCSP
		}
		seen := map[string]bool{}
		for _, d := range audit.CSPDirectives(pol) {
			dir := d.Name
			if seen[dir] {
				if dir != "report-uri" && dir != "report-to" {
					return nil, false, errCSP
				}
				dup = true
			}
			seen[dir] = true
			srcs := lowerAll(d.Value)
			if len(srcs) == 0 && strings.HasSuffix(dir, "-src") {
				srcs = []string{"'none'"}
			}
			var combined []*source
			if pi > 0 {
				combined = slices.Clone(merged[dir])
			}
			for _, s := range srcs {
				combined = append(combined, &source{src: s, index: pi, keep: pi == 0})
			}
			slices.SortStableFunc(combined, func(a, b *source) int { return strings.Compare(a.src, b.src) })
			for i := 1; i < len(combined); i++ {
				s, prev := combined[i], combined[i-1]
				if s.index == prev.index && strings.HasPrefix(s.src, prev.src) {
					s.keep = false
				}
				if s.index != prev.index {
					ok, err := obsPathPartMatch(prev.src, s.src)
					if err != nil {
						return nil, false, errCSP
					}
					if ok {
						s.keep = true
					}
				}
			}
			if _, ok := merged[dir]; !ok {
				order = append(order, dir)
			}
			merged[dir] = slices.DeleteFunc(combined, func(s *source) bool { return !s.keep })
			if pi == 0 && len(policies) > 1 {
				for _, s := range merged[dir] {
					s.keep = false
				}
			}
		}
	}
	m = cspMap{}
	for _, dir := range order {
		var srcs []string
		for _, s := range merged[dir] {
			if !slices.Contains(srcs, s.src) {
				srcs = append(srcs, s.src)
			}
		}
		if len(srcs) == 0 {
			srcs = []string{"'none'"}
		}
		m[dir] = srcs
	}
	return m, dup, nil
}

// obsPathPartMatch says whether source b falls under source a as the
// Observatory compares them when it merges policies: a without a final
// "/" must equal b piece by piece ("/"-separated, percent-decoded); with
// one, a's pieces must start b's. A bad percent escape is an error.
func obsPathPartMatch(a, b string) (bool, error) {
	if a == "" || (a == "/" && b == "") {
		return true, nil
	}
	exact := !strings.HasSuffix(a, "/")
	pa, pb := strings.Split(a, "/"), strings.Split(b, "/")
	if len(pa) > len(pb) || (exact && len(pa) != len(pb)) {
		return false, nil
	}
	if !exact {
		pa = pa[:len(pa)-1]
	}
	for i := range pa {
		x, err := url.PathUnescape(pa[i])
		if err != nil {
			return false, err
		}
		y, err := url.PathUnescape(pb[i])
		if err != nil {
			return false, err
		}
		if x != y {
			return false, nil
		}
	}
	return true, nil
}

func anyIn(srcs, set []string) bool {
	return slices.ContainsFunc(srcs, func(s string) bool { return slices.Contains(set, s) })
}

func insecureScheme(srcs []string) bool {
	return slices.ContainsFunc(srcs, func(s string) bool { return strings.HasPrefix(s, "http:") || strings.HasPrefix(s, "ftp:") })
}

func nonceOrHash(srcs []string) bool {
	return slices.ContainsFunc(srcs, audit.IsCSPNonceOrHash)
}

// obsCSP returns the CSP test's outcome and the merged policy (nil when
// the page has no valid policy), which the X-Frame-Options test reads.
// The checks and their order follow the scoring methodology's CSP table
// (most severe first); the details (which sources are broad, what a
// nonce lets pass, that unsafe-eval counts in style-src too) are those of
// the Observatory's code.
func obsCSP(p *observatoryPage) (string, cspMap) {
	var headers []string
	if v := p.header("Content-Security-Policy"); v != "" {
		headers = []string{v}
	}
	all := append(slices.Clone(headers), p.meta.csp...)
	csp, dup, err := parseObsCSP(all)
	if err != nil {
		return "csp-header-invalid", nil
	}
	httpOnly, _, errH := parseObsCSP(headers)
	metaOnly, _, errM := parseObsCSP(p.meta.csp)
	n := 0
	if errH == nil {
		n += len(httpOnly)
	}
	if errM == nil {
		for d := range metaOnly {
			if !slices.Contains(cspMetaDisallowed, d) {
				n++
			}
		}
	}
	if n == 0 {
		if p.header("Content-Security-Policy-Report-Only") != "" {
			return "csp-not-implemented-but-reporting-enabled", nil
		}
		return "csp-not-implemented", nil
	}
	// effective returns the key whose sources apply to dir: dir itself,
	// else default-src, else "" (anything allowed).
	effective := func(dir string) string {
		if _, ok := csp[dir]; ok {
			return dir
		}
		if _, ok := csp["default-src"]; ok {
			return "default-src"
		}
		return ""
	}
	get := func(key string) []string {
		if key == "" {
			return []string{"*"}
		}
		return csp[key]
	}
	scriptKey, styleKey := effective("script-src"), effective("style-src")
	// Next to a nonce or a hash, 'unsafe-inline' is ignored (CSP Level 3,
	// 6.7.3.3). The edit applies to the directive itself, as in the
	// Observatory, where script-src and style-src may share default-src.
	for _, key := range []string{scriptKey, styleKey} {
		if key != "" && nonceOrHash(csp[key]) {
			csp[key] = slices.DeleteFunc(slices.Clone(csp[key]), func(s string) bool { return s == "'unsafe-inline'" })
		}
	}
	result := ""
	script := get(scriptKey)
	if slices.Contains(script, "'strict-dynamic'") {
		if nonceOrHash(script) {
			// 'strict-dynamic' makes host and scheme sources, 'self' and
			// 'unsafe-inline' ignored (CSP Level 3, 8.2).
			csp[scriptKey] = slices.DeleteFunc(slices.Clone(script), func(s string) bool {
				return s == "'self'" || s == "'unsafe-inline'" || slices.ContainsFunc(cspBroad, func(b string) bool { return strings.HasPrefix(s, b) })
			})
			script = csp[scriptKey]
		} else {
			result = "csp-header-invalid"
		}
	}
	style, object := get(styleKey), get(effective("object-src"))
	var active, passive []string
	for d, srcs := range csp {
		if d != "img-src" && d != "media-src" && d != "script-src" {
			active = append(active, srcs...)
		}
	}
	active = append(active, script...)
	for _, d := range []string{"img-src", "media-src"} {
		if k := effective(d); k != "" {
			passive = append(passive, csp[k]...)
		}
	}
	set := func(r string, cond bool) {
		if cond && result == "" {
			result = r
		}
	}
	set("csp-implemented-with-unsafe-inline", anyIn(script, cspBroad) || anyIn(script, cspInline) || anyIn(object, cspBroad))
	set("csp-implemented-with-insecure-scheme", p.https && insecureScheme(active))
	set("csp-implemented-with-unsafe-eval", slices.Contains(script, "'unsafe-eval'") || slices.Contains(style, "'unsafe-eval'"))
	set("csp-implemented-with-insecure-scheme-in-passive-content-only", p.https && insecureScheme(passive))
	set("csp-implemented-with-unsafe-inline-in-style-src-only", anyIn(style, cspBroad) || anyIn(style, cspInline))
	set("csp-implemented-with-no-unsafe-default-src-none", slices.Equal(csp["default-src"], []string{"'none'"}))
	set("csp-implemented-with-no-unsafe", true)
	switch result {
	case "csp-implemented-with-no-unsafe", "csp-implemented-with-no-unsafe-default-src-none",
		"csp-implemented-with-unsafe-inline-in-style-src-only", "csp-implemented-with-insecure-scheme-in-passive-content-only":
		if dup {
			// A passing policy with report-uri or report-to twice.
			result = "csp-implemented-but-duplicate-directives"
		}
	}
	return result, csp
}

func lowerAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

// cookieOrder ranks the failing outcomes of the cookie test, least bad
// first: of several, the Observatory keeps the last in this order, which
// is not the order of their modifiers.
var cookieOrder = []string{
	"cookies-without-secure-flag-but-protected-by-hsts",
	"cookies-without-secure-flag",
	"cookies-session-without-secure-flag-but-protected-by-hsts",
	"cookies-samesite-flag-invalid",
	"cookies-anticsrf-without-samesite-flag",
	"cookies-session-without-httponly-flag",
	"cookies-session-without-secure-flag",
}

// obsCookies follows the Observatory's cookie test: it judges the cookies
// its cookie jar holds after the chain of the graded page (RFC 6265,
// 5.3: a cookie replaces one of the same name, domain and path; one set
// with Max-Age 0 or less is removed). Session cookies are those whose name
// contains "sess" or "login", anti-CSRF cookies those whose name contains
// "csrf"; the worst outcome wins.
func obsCookies(p *observatoryPage) string {
	result := ""
	worse := func(r string) {
		if slices.Index(cookieOrder, r) > slices.Index(cookieOrder, result) {
			result = r
		}
	}
	// A SameSite attribute with no value or an unknown one, in the
	// Set-Cookie headers of the graded page.
	for _, c := range p.resp.Cookies {
		for _, a := range c.Attributes() {
			// The Observatory reads the value up to a second '='.
			v, _, _ := strings.Cut(a.Value, "=")
			if strings.EqualFold(a.Name, "samesite") {
				switch strings.ToLower(strings.TrimSpace(v)) {
				case "lax", "strict", "none":
				default:
					worse("cookies-samesite-flag-invalid")
				}
			}
		}
	}
	type key struct{ name, domain, path string }
	var jar []audit.Cookie
	for _, r := range p.chain {
		for _, c := range r.Cookies {
			if c.Name == "" || c.Name == "heroku-session-affinity" {
				continue
			}
			k := key{c.Name, strings.ToLower(c.Domain), c.Path}
			jar = slices.DeleteFunc(jar, func(o audit.Cookie) bool { return key{o.Name, strings.ToLower(o.Domain), o.Path} == k })
			if n, ok := c.MaxAgeSeconds(); ok && n <= 0 {
				continue
			}
			jar = append(jar, c)
		}
	}
	if len(jar) == 0 {
		return "cookies-not-found"
	}
	hsts := obsHSTS(p) == "hsts-implemented-max-age-at-least-six-months"
	missingSameSite := false
	for _, c := range jar {
		name := strings.ToLower(c.Name)
		session := strings.Contains(name, "sess") || strings.Contains(name, "login")
		csrf := strings.Contains(name, "csrf")
		sameSite := c.SameSite
		if sameSite != "Strict" && sameSite != "Lax" && sameSite != "None" {
			sameSite = "" // an unknown value is ignored (RFC 6265bis, 5.6.7)
		}
		if !c.Secure && sameSite == "None" {
			worse("cookies-samesite-flag-invalid")
		}
		switch {
		case !c.Secure && hsts:
			worse("cookies-without-secure-flag-but-protected-by-hsts")
		case !c.Secure:
			worse("cookies-without-secure-flag")
		}
		if csrf && sameSite == "" {
			worse("cookies-anticsrf-without-samesite-flag")
		}
		switch {
		case session && !c.Secure && hsts:
			worse("cookies-session-without-secure-flag-but-protected-by-hsts")
		case session && !c.Secure:
			worse("cookies-session-without-secure-flag")
		}
		if session && !c.HttpOnly {
			worse("cookies-session-without-httponly-flag")
		}
		missingSameSite = missingSameSite || sameSite == ""
	}
	switch {
	case result != "":
		return result
	case missingSameSite:
		return "cookies-secure-with-httponly-sessions"
	}
	return "cookies-secure-with-httponly-sessions-and-samesite"
}

// obsCORS approximates the Observatory's CORS test from the page's own
// response: the Observatory sends a preflight request (OPTIONS, with an
// Origin header of its own) and judges the answer's
// Access-Control-Allow-Origin; vigie sends no such request. "*" is public
// access; an origin allowed with credentials is universal access when it
// is the Origin sent, which vigie sees only as "null" here.
func obsCORS(p *observatoryPage) string {
	acao := strings.ToLower(strings.TrimSpace(p.header("Access-Control-Allow-Origin")))
	if acao == "" {
		return "cross-origin-resource-sharing-not-implemented"
	}
	if acao == "*" {
		return "cross-origin-resource-sharing-implemented-with-public-access"
	}
	if strings.EqualFold(strings.TrimSpace(p.header("Access-Control-Allow-Credentials")), "true") && acao == "null" {
		return "cross-origin-resource-sharing-implemented-with-universal-access"
	}
	return "cross-origin-resource-sharing-implemented-with-restricted-access"
}

func obsRedirection(p *observatoryPage) string {
	h := p.httpChain
	if h == nil || len(h.Responses) == 0 || h.Responses[0].Status == 0 {
		return "redirection-not-needed-no-http"
	}
	for _, r := range h.Responses {
		if r.TLSUnverified {
			return "redirection-invalid-cert"
		}
	}
	if len(h.Responses) == 1 {
		return "redirection-missing"
	}
	last := h.Responses[len(h.Responses)-1]
	if !strings.HasPrefix(strings.ToLower(last.URL), "https://") {
		return "redirection-not-to-https"
	}
	first, err1 := url.Parse(h.Responses[0].URL)
	next, err2 := url.Parse(h.Responses[1].URL)
	if err1 != nil || err2 != nil {
		return "redirection-not-to-https"
	}
	if next.Scheme != "https" {
		return "redirection-not-to-https-on-initial-redirection"
	}
	if !strings.EqualFold(first.Hostname(), next.Hostname()) {
		return "redirection-off-host-from-http"
	}
	return "redirection-to-https"
}

func obsReferrer(p *observatoryPage) string {
	var vals []string
	if v := p.header("Referrer-Policy"); v != "" {
		vals = append(vals, v)
	}
	if p.meta.referrer != "" {
		vals = append(vals, p.meta.referrer)
	}
	if len(vals) == 0 {
		return "referrer-policy-not-implemented"
	}
	// The last recognised value of the comma-separated list applies
	// (Referrer Policy, 11.1); the <meta name="referrer"> comes last.
	result := ""
	for part := range strings.SplitSeq(strings.Join(vals, ", "), ",") {
		switch strings.ToLower(strings.TrimSpace(part)) {
		case "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin":
			result = "referrer-policy-private"
		case "origin", "origin-when-cross-origin", "unsafe-url", "no-referrer-when-downgrade":
			result = "referrer-policy-unsafe"
		}
	}
	if result == "" {
		return "referrer-policy-header-invalid"
	}
	return result
}

// obsHSTS judges the end of the https://DOMAIN/ chain, whatever page is
// graded. Its reading of the header is the Observatory's, looser than
// RFC 6797, 6.1 (which audit.ParseHSTS follows, for the checks): a comma (the header sent twice) makes it invalid, and
// so does a missing max-age; max-age is the number its value begins with,
// and one with no number at all counts as long enough.
func obsHSTS(p *observatoryPage) string {
	if p.httpsResp == nil {
		return "hsts-not-implemented-no-https"
	}
	if p.httpsUnverified {
		return "hsts-invalid-cert"
	}
	v := nodeHeader(p.httpsResp, "Strict-Transport-Security")
	if v == "" {
		return "hsts-not-implemented"
	}
	if len(v) > 1024 {
		v = v[:1024]
	}
	if strings.Contains(v, ",") {
		return "hsts-header-invalid"
	}
	found, long := false, false
	for part := range strings.SplitSeq(v, ";") {
		part = strings.ToLower(strings.TrimSpace(part))
		if rest, ok := strings.CutPrefix(part, "max-age="); ok {
			n, isNum := leadingInt(rest)
			found, long = true, !isNum || n >= sixMonths
		}
	}
	// The preload list is taken as empty: "hsts-preloaded" never comes.
	switch {
	case !found:
		return "hsts-header-invalid"
	case long:
		return "hsts-implemented-max-age-at-least-six-months"
	}
	return "hsts-implemented-max-age-less-than-six-months"
}

// leadingInt reads the integer s begins with (after white space, with an
// optional sign), as ECMAScript's parseInt does; ok is false when s
// begins with no digit.
func leadingInt(s string) (n int64, ok bool) {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			break
		}
		ok = true
		if n < 1<<53 {
			n = n*10 + int64(c-'0')
		}
	}
	if neg {
		n = -n
	}
	return n, ok
}

// sriOrder ranks the outcomes of the SRI test, best first: of several,
// the Observatory keeps the last.
var sriOrder = []string{
	"sri-implemented-and-all-scripts-loaded-securely",
	"sri-implemented-and-external-scripts-loaded-securely",
	"sri-implemented-but-external-scripts-not-loaded-securely",
	"sri-not-implemented-but-external-scripts-loaded-securely",
	"sri-not-implemented-and-external-scripts-not-loaded-securely",
}

// obsSRI judges the <script src> elements of the page (Subresource
// Integrity, 3.3). As in the Observatory, a script is external when its
// URL is protocol-relative or names a host of another registrable domain
// than the audited domain's (a host of the same registrable domain counts
// as the page's own, over http:// too), and a page whose scripts are all
// inline has its scripts "loaded from a secure origin".
func obsSRI(p *observatoryPage) string {
	if !isHTML(p.header("Content-Type")) {
		return "sri-not-implemented-response-not-html"
	}
	site := registrable(p.domain)
	base := obsBase(p.elements)
	result, scripts, external := "", 0, false
	worse := func(r string) {
		if slices.Index(sriOrder, r) > slices.Index(sriOrder, result) {
			result = r
		}
	}
	for _, el := range p.elements {
		if el.Tag != "script" {
			continue
		}
		scripts++
		src, hasSrc := el.Attrs["src"]
		src = strings.TrimSpace(src)
		if hasSrc && base != nil {
			// The Observatory reads the script's src property: the
			// attribute resolved against the page's <base href>.
			if r, err := url.Parse(src); err == nil {
				src = base.ResolveReference(r).String()
			}
		}
		integrity := el.Attrs["integrity"] != ""
		if src == "" {
			continue
		}
		lower := strings.ToLower(src)
		protocolRelative := strings.HasPrefix(src, "//") && !strings.HasPrefix(src, "///")
		absolute := strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://")
		own, secure := true, false
		switch {
		case protocolRelative:
			own = false
		case absolute:
			if u, err := url.Parse(src); err == nil {
				own = site != "" && registrable(u.Hostname()) == site
			} else {
				own = false
			}
			secure = strings.HasPrefix(lower, "https://")
		default: // relative: the page's own origin
			secure = p.https
		}
		if own {
			if integrity && secure && result == "" {
				result = "sri-implemented-and-all-scripts-loaded-securely"
			}
			continue
		}
		external = true
		switch {
		case integrity && !secure:
			worse("sri-implemented-but-external-scripts-not-loaded-securely")
		case !integrity && secure:
			worse("sri-not-implemented-but-external-scripts-loaded-securely")
		case !integrity:
			worse("sri-not-implemented-and-external-scripts-not-loaded-securely")
		}
	}
	switch {
	case scripts == 0:
		return "sri-not-implemented-but-no-scripts-loaded"
	case result != "":
		return result
	case external:
		return "sri-implemented-and-external-scripts-loaded-securely"
	}
	return "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"
}

// obsBase returns the URL of the page's first <base href>, when it is an
// absolute URL with a host: the Observatory's parser knows no URL for the
// page itself (about:blank), so a relative href sets no base (HTML Living
// Standard, 4.2.3 "The base element": the frozen base URL).
func obsBase(els []audit.HTMLElement) *url.URL {
	for _, el := range els {
		href, ok := el.Attrs["href"]
		if el.Tag != "base" || !ok {
			continue
		}
		u, err := url.Parse(strings.TrimSpace(href))
		if err != nil || !u.IsAbs() || u.Host == "" {
			return nil
		}
		return u
	}
	return nil
}

// registrable returns the registrable domain of host (the public suffix
// and one label more, RFC 8499's "registered domain"), "" when it has
// none. A name under a suffix the list does not know, as the lab's
// .test, is taken as under a one-label suffix.
func registrable(host string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if _, err := netip.ParseAddr(host); host == "" || err == nil {
		return ""
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return ""
	}
	return d
}

// isHTML reports whether a Content-Type is one the Observatory reads as
// HTML: the type before any ";" exactly text/html or
// application/xhtml+xml.
func isHTML(ct string) bool {
	t, _, _ := strings.Cut(ct, ";")
	return t == "text/html" || t == "application/xhtml+xml"
}

func obsXCTO(p *observatoryPage) string {
	v := p.header("X-Content-Type-Options")
	switch {
	case v == "":
		return "x-content-type-options-not-implemented"
	case strings.EqualFold(strings.TrimSpace(v), "nosniff"):
		return "x-content-type-options-nosniff"
	}
	return "x-content-type-options-header-invalid"
}

// obsXFO: a frame-ancestors directive in the page's valid policy (CSP
// Level 3, 6.4.2) replaces X-Frame-Options, whatever that says.
func obsXFO(p *observatoryPage, csp cspMap) string {
	if _, ok := csp["frame-ancestors"]; ok {
		return "x-frame-options-implemented-via-csp"
	}
	v := p.header("X-Frame-Options")
	if v == "" {
		return "x-frame-options-not-implemented"
	}
	val := strings.ToLower(strings.TrimSpace(v))
	switch {
	case val == "deny" || val == "sameorigin":
		return "x-frame-options-sameorigin-or-deny"
	case strings.HasPrefix(val, "allow-from"):
		return "x-frame-options-allow-from-origin"
	}
	return "x-frame-options-header-invalid"
}

func obsCORP(p *observatoryPage) string {
	v := p.header("Cross-Origin-Resource-Policy")
	if v == "" {
		return "corp-not-implemented"
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "same-origin":
		return "corp-implemented-with-same-origin"
	case "same-site":
		return "corp-implemented-with-same-site"
	case "cross-origin":
		return "corp-implemented-with-cross-origin"
	}
	return "corp-header-invalid"
}
