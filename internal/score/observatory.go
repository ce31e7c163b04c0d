package score

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
// is given, and the redirections of http://DOMAIN/.
//
// Known differences, each because vigie's probe does not observe what the
// Observatory fetches: the HSTS preload list is taken as empty (as when
// the Observatory runs with an empty conf/hsts-preload.json); CORS is
// judged from the Access-Control-Allow-Origin header of the page alone
// (vigie sends no Origin header and does not fetch crossdomain.xml or
// clientaccesspolicy.xml); a <meta http-equiv> CSP in the page is not
// read. The comparison with the real Observatory on lab servers is to
// come.

import (
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/html"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/httpcheck"
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

	"cross-origin-resource-policy-implemented-with-same-origin":  10,
	"cross-origin-resource-policy-implemented-with-same-site":    10,
	"cross-origin-resource-policy-implemented-with-cross-origin": 0,
	"cross-origin-resource-policy-not-implemented":               0,
	"cross-origin-resource-policy-header-invalid":                -5,
}

// observatoryGrades is the grading chart: the lowest score of each grade.
var observatoryGrades = []struct {
	min   int
	grade string
}{
	{100, "A+"}, {90, "A"}, {85, "A-"}, {80, "B+"}, {70, "B"}, {65, "B-"},
	{60, "C+"}, {50, "C"}, {45, "C-"}, {40, "D+"}, {30, "D"}, {25, "D-"}, {0, "F"},
}

// Six months, the HSTS threshold of the Observatory.
const sixMonths = 15768000

// observatoryPage is what the Observatory profile grades.
type observatoryPage struct {
	resp  *audit.HTTPResponse
	body  string
	https bool
	host  string
	// chain holds every response of the chains of the domain, for the
	// cookies.
	chain []audit.HTTPResponse
	// httpChain is the chain of http://DOMAIN/, nil when not observed.
	httpChain *audit.HTTPObservation
}

// Observatory computes the MDN HTTP Observatory profile of o, or nil when
// no page of the domain answered.
func Observatory(o *audit.Observations) *audit.ObservatoryScore {
	p := observatoryTarget(o)
	if p == nil {
		return nil
	}
	tests := []audit.ObservatoryTest{
		obsTest("content-security-policy", obsCSP(p)),
		obsTest("cookies", obsCookies(p)),
		obsTest("cross-origin-resource-sharing", obsCORS(p)),
		obsTest("redirection", obsRedirection(p)),
		obsTest("referrer-policy", obsReferrer(p)),
		obsTest("strict-transport-security", obsHSTS(p)),
		obsTest("subresource-integrity", obsSRI(p)),
		obsTest("x-content-type-options", obsXCTO(p)),
		obsTest("x-frame-options", obsXFO(p)),
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
	var httpsFinal, httpFinal *audit.HTTPResponse
	var httpsBody, httpBody string
	for _, h := range o.HTTP {
		if h == nil {
			continue
		}
		u, err := url.Parse(h.URL)
		if err != nil || !strings.EqualFold(u.Hostname(), o.Domain) {
			continue
		}
		p.chain = append(p.chain, h.Responses...)
		r := h.Final()
		ok := h.Error == "" && r != nil && r.Status != 0 && r.Error == ""
		switch u.Scheme {
		case "https":
			if ok && strings.HasPrefix(strings.ToLower(r.URL), "https://") {
				httpsFinal, httpsBody = r, h.Body
			}
		case "http":
			p.httpChain = h
			if ok {
				httpFinal, httpBody = r, h.Body
			}
		}
	}
	switch {
	case httpsFinal != nil:
		p.resp, p.body, p.https = httpsFinal, httpsBody, true
	case httpFinal != nil:
		p.resp, p.body, p.https = httpFinal, httpBody, strings.HasPrefix(strings.ToLower(httpFinal.URL), "https://")
	default:
		return nil
	}
	if u, err := url.Parse(p.resp.URL); err == nil {
		p.host = strings.ToLower(u.Hostname())
	}
	return p
}

// get returns the values of a header of the graded response.
func (p *observatoryPage) get(name string) []string {
	for k, v := range p.resp.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// hstsOK reports whether the page sets a valid HSTS of six months or more.
func (p *observatoryPage) hstsOK() bool {
	v := p.get("Strict-Transport-Security")
	if !p.https || len(v) == 0 {
		return false
	}
	h, err := httpcheck.ParseHSTS(v[0])
	return err == nil && h.MaxAge >= sixMonths
}

func obsCSP(p *observatoryPage) string {
	v := p.get("Content-Security-Policy")
	if len(v) == 0 {
		return "csp-not-implemented"
	}
	policies := httpcheck.ParseCSP(strings.Join(v, ","))
	if len(policies) == 0 {
		return "csp-header-invalid"
	}
	// Several policies all apply: a source is allowed only if every
	// policy allows it. The Observatory merges them; here the strictest
	// answer of any policy wins for each question.
	effective := func(dir string) ([]string, bool) {
		var best []string
		found := false
		for _, pol := range policies {
			vals, ok := pol.Get(dir)
			if !ok {
				vals, ok = pol.Get("default-src")
			}
			if ok && (!found || len(vals) < len(best)) {
				best, found = vals, true
			}
		}
		return lowerAll(best), found
	}
	broad := func(srcs []string) bool {
		for _, s := range srcs {
			switch s {
			case "*", "http:", "https:", "data:", "'unsafe-inline'":
				return true
			}
		}
		return false
	}
	script, okScript := effective("script-src")
	object, okObject := effective("object-src")
	nonceOrHash := slices.ContainsFunc(script, func(s string) bool {
		return strings.HasPrefix(s, "'nonce-") || strings.HasPrefix(s, "'sha256-") || strings.HasPrefix(s, "'sha384-") || strings.HasPrefix(s, "'sha512-") || s == "'strict-dynamic'"
	})
	scriptBroad := broad(script)
	if nonceOrHash {
		// 'unsafe-inline' is ignored by browsers next to a nonce or hash.
		scriptBroad = broad(slices.DeleteFunc(slices.Clone(script), func(s string) bool { return s == "'unsafe-inline'" }))
	}
	if !okScript || !okObject || scriptBroad || broad(object) {
		return "csp-implemented-with-unsafe-inline"
	}
	if slices.Contains(script, "'unsafe-eval'") {
		return "csp-implemented-with-unsafe-eval"
	}
	if p.https {
		for _, dir := range []string{"script-src", "object-src", "style-src", "connect-src", "frame-src", "font-src", "default-src"} {
			if srcs, ok := effective(dir); ok && hasHTTPSource(srcs) {
				return "csp-implemented-with-insecure-scheme"
			}
		}
		for _, dir := range []string{"img-src", "media-src"} {
			if srcs, ok := effective(dir); ok && hasHTTPSource(srcs) {
				return "csp-implemented-with-insecure-scheme-in-passive-content-only"
			}
		}
	}
	if style, ok := effective("style-src"); !ok || broad(style) {
		return "csp-implemented-with-unsafe-inline-in-style-src-only"
	}
	def, _ := effective("default-src")
	form, okForm := effective("form-action")
	if slices.Equal(def, []string{"'none'"}) && okForm && (slices.Equal(form, []string{"'none'"}) || slices.Equal(form, []string{"'self'"})) {
		return "csp-implemented-with-no-unsafe-default-src-none"
	}
	return "csp-implemented-with-no-unsafe"
}

func hasHTTPSource(srcs []string) bool {
	return slices.ContainsFunc(srcs, func(s string) bool { return s == "http:" || strings.HasPrefix(s, "http://") })
}

func lowerAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

// obsCookies follows the Observatory's cookie test: session cookies are
// those whose name speaks of a session or a login, anti-CSRF cookies those
// whose name speaks of CSRF; the worst outcome wins.
func obsCookies(p *observatoryPage) string {
	var cookies []audit.Cookie
	for _, r := range p.chain {
		cookies = append(cookies, r.Cookies...)
	}
	if len(cookies) == 0 {
		return "cookies-not-found"
	}
	hsts := p.hstsOK()
	results := []string{}
	allSameSite := true
	for _, c := range cookies {
		name := strings.ToLower(c.Name)
		session := strings.Contains(name, "session") || strings.Contains(name, "sess") || strings.Contains(name, "login")
		csrf := strings.Contains(name, "csrf")
		switch c.SameSite {
		case "Strict", "Lax", "None":
		case "":
			allSameSite = false
			if csrf {
				results = append(results, "cookies-anticsrf-without-samesite-flag")
			}
		default:
			results = append(results, "cookies-samesite-flag-invalid")
		}
		if !c.Secure {
			switch {
			case session && hsts:
				results = append(results, "cookies-session-without-secure-flag-but-protected-by-hsts")
			case session:
				results = append(results, "cookies-session-without-secure-flag")
			case hsts:
				results = append(results, "cookies-without-secure-flag-but-protected-by-hsts")
			default:
				results = append(results, "cookies-without-secure-flag")
			}
		}
		if session && !c.HttpOnly {
			results = append(results, "cookies-session-without-httponly-flag")
		}
	}
	if len(results) == 0 {
		if allSameSite {
			return "cookies-secure-with-httponly-sessions-and-samesite"
		}
		return "cookies-secure-with-httponly-sessions"
	}
	return worstResult(results)
}

// worstResult returns the result with the lowest modifier, the first on
// ties.
func worstResult(results []string) string {
	worst := results[0]
	for _, r := range results[1:] {
		if observatoryModifiers[r] < observatoryModifiers[worst] {
			worst = r
		}
	}
	return worst
}

func obsCORS(p *observatoryPage) string {
	acao := p.get("Access-Control-Allow-Origin")
	if len(acao) == 0 {
		return "cross-origin-resource-sharing-not-implemented"
	}
	creds := p.get("Access-Control-Allow-Credentials")
	if strings.TrimSpace(acao[0]) == "*" {
		return "cross-origin-resource-sharing-implemented-with-public-access"
	}
	if len(creds) > 0 && strings.EqualFold(strings.TrimSpace(creds[0]), "true") && strings.TrimSpace(acao[0]) == "null" {
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
	v := p.get("Referrer-Policy")
	if len(v) == 0 {
		return "referrer-policy-not-implemented"
	}
	// The last recognised value of the comma-separated list applies
	// (Referrer Policy, section 8.1).
	result := ""
	for part := range strings.SplitSeq(strings.Join(v, ","), ",") {
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

func obsHSTS(p *observatoryPage) string {
	if !p.https {
		return "hsts-not-implemented-no-https"
	}
	if p.resp.TLSUnverified {
		return "hsts-invalid-cert"
	}
	v := p.get("Strict-Transport-Security")
	if len(v) == 0 {
		return "hsts-not-implemented"
	}
	h, err := httpcheck.ParseHSTS(v[0])
	if err != nil {
		return "hsts-header-invalid"
	}
	// The preload list is taken as empty: "hsts-preloaded" never comes.
	if h.MaxAge < sixMonths {
		return "hsts-implemented-max-age-less-than-six-months"
	}
	return "hsts-implemented-max-age-at-least-six-months"
}

func obsSRI(p *observatoryPage) string {
	ct := strings.ToLower(strings.Join(p.get("Content-Type"), ","))
	if !strings.Contains(ct, "html") {
		return "sri-not-implemented-response-not-html"
	}
	type script struct {
		src, integrity string
	}
	var scripts []script
	z := html.NewTokenizer(strings.NewReader(p.body))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, more := z.TagName()
		if string(name) != "script" {
			continue
		}
		var s script
		for more {
			var k, v []byte
			k, v, more = z.TagAttr()
			switch string(k) {
			case "src":
				s.src = string(v)
			case "integrity":
				s.integrity = string(v)
			}
		}
		if s.src != "" {
			scripts = append(scripts, s)
		}
	}
	if len(scripts) == 0 {
		return "sri-not-implemented-but-no-scripts-loaded"
	}
	base, _ := url.Parse(p.resp.URL)
	external, secure, withSRI, allSRI := false, true, false, true
	for _, s := range scripts {
		u, err := url.Parse(strings.TrimSpace(s.src))
		if err != nil {
			continue
		}
		if s.integrity != "" {
			withSRI = true
		} else {
			allSRI = false
		}
		if u.Host == "" {
			continue // relative: same origin
		}
		host := strings.ToLower(u.Hostname())
		if base != nil && (host == p.host || strings.HasSuffix(host, "."+p.host) || strings.HasSuffix(p.host, "."+host)) {
			continue // a similar origin
		}
		external = true
		if u.Scheme != "https" {
			secure = false // http:// or protocol-relative
		}
	}
	switch {
	case !external && withSRI:
		return "sri-implemented-and-all-scripts-loaded-securely"
	case !external:
		return "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"
	case allSRI && secure:
		return "sri-implemented-and-external-scripts-loaded-securely"
	case withSRI && !secure:
		return "sri-implemented-but-external-scripts-not-loaded-securely"
	case !secure:
		return "sri-not-implemented-and-external-scripts-not-loaded-securely"
	}
	return "sri-not-implemented-but-external-scripts-loaded-securely"
}

func obsXCTO(p *observatoryPage) string {
	v := p.get("X-Content-Type-Options")
	switch {
	case len(v) == 0:
		return "x-content-type-options-not-implemented"
	case strings.EqualFold(strings.TrimSpace(v[0]), "nosniff"):
		return "x-content-type-options-nosniff"
	}
	return "x-content-type-options-header-invalid"
}

func obsXFO(p *observatoryPage) string {
	for _, pol := range httpcheck.ParseCSP(strings.Join(p.get("Content-Security-Policy"), ",")) {
		if _, ok := pol.Get("frame-ancestors"); ok {
			return "x-frame-options-implemented-via-csp"
		}
	}
	v := p.get("X-Frame-Options")
	if len(v) == 0 {
		return "x-frame-options-not-implemented"
	}
	val := strings.ToUpper(strings.TrimSpace(v[0]))
	switch {
	case val == "DENY" || val == "SAMEORIGIN":
		return "x-frame-options-sameorigin-or-deny"
	case strings.HasPrefix(val, "ALLOW-FROM"):
		return "x-frame-options-allow-from-origin"
	}
	return "x-frame-options-header-invalid"
}

func obsCORP(p *observatoryPage) string {
	v := p.get("Cross-Origin-Resource-Policy")
	if len(v) == 0 {
		return "cross-origin-resource-policy-not-implemented"
	}
	switch strings.ToLower(strings.TrimSpace(v[0])) {
	case "same-origin":
		return "cross-origin-resource-policy-implemented-with-same-origin"
	case "same-site":
		return "cross-origin-resource-policy-implemented-with-same-site"
	case "cross-origin":
		return "cross-origin-resource-policy-implemented-with-cross-origin"
	}
	return "cross-origin-resource-policy-header-invalid"
}
