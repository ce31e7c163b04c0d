package profile

// The internetnl profile gives a percentage in the manner of the website
// test of internet.nl, written from its published explanation:
//
//   - "Website test" and "How is the score calculated?", internet.nl FAQ,
//     https://internet.nl/faqs/report/ (a test category counts only when
//     it passes; the score is the share of the categories IPv6, DNSSEC and
//     HTTPS passed, the "security options" being shown without counting);
//   - the test explanations of internet.nl for each sub-test (HTTPS
//     available, redirect, HSTS of at least one year, TLS versions and
//     ciphers judged "insufficient" per NCSC-NL, certificate trusted,
//     valid, named, with a strong key and signature).
//
// Each test passes when none of its findings was produced; a category's
// share is the share of its tests passed, and the percentage the mean of
// the observed categories. internet.nl counts TLS 1.0/1.1 and CBC suites
// as "phase out", which passes: so does this profile. vigie differs on
// purpose: internet.nl has no caps and weighs every test alike.

import (
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/score"
)

const internetNLMethod = "internet.nl website test, categories IPv6, DNSSEC and HTTPS (internet.nl/faqs/report)"

// internetNLTests maps each test ("category/test") to the findings that
// fail it. Tests of the "options" category are shown but not counted.
var internetNLTests = []struct {
	name string
	ids  []string
}{
	{"ipv6/web_server", []string{"dns.ipv6.web_missing"}},
	{"ipv6/name_servers", []string{"dns.ipv6.ns_missing"}},
	{"dnssec/signed", []string{"dns.dnssec.missing", "dns.dnssec.weak_algorithm"}},
	{"dnssec/valid", []string{"dns.dnssec.bogus"}},
	{"https/available", []string{"http.https.missing"}},
	{"https/redirect", []string{"http.redirect.missing"}},
	{"https/hsts", []string{"http.hsts.missing", "http.hsts.invalid", "http.hsts.short"}},
	{"https/tls_version", []string{"tls.protocol.sslv3"}},
	{"https/ciphers", []string{"tls.cipher.null", "tls.cipher.export", "tls.cipher.anon", "tls.cipher.rc4", "tls.cipher.3des"}},
	{"https/renegotiation", []string{"tls.renegotiation.insecure"}},
	{"https/cert_trust", []string{"tls.cert.untrusted", "tls.cert.self_signed", "tls.cert.missing_intermediate", "tls.cert.expired", "tls.cert.not_yet_valid"}},
	{"https/cert_public_key", []string{"tls.cert.weak_key"}},
	{"https/cert_signature", []string{"tls.cert.sha1_signature"}},
	{"https/cert_name", []string{"tls.cert.hostname_mismatch"}},
	{"options/x_frame_options", []string{"http.framing.missing"}},
	{"options/x_content_type_options", []string{"http.xcto.missing"}},
	{"options/content_security_policy", []string{"http.csp.missing", "http.csp.weak"}},
	{"options/referrer_policy", []string{"http.referrer_policy.missing", "http.referrer_policy.unsafe"}},
	{"options/security_txt", []string{"http.securitytxt.missing", "http.securitytxt.invalid"}},
}

// InternetNL computes the internet.nl-style profile from the findings, for
// the categories o observed, or nil when none was.
func InternetNL(findings []audit.Finding, o *audit.Observations) *audit.InternetNLScore {
	observed := score.ObservedAreas(o)
	counted := map[string]bool{
		"ipv6":    observed["dns"],
		"dnssec":  observed["dns"],
		"https":   observed["web_transport"],
		"options": false,
	}
	found := map[string]bool{}
	for _, f := range findings {
		found[f.ID] = true
	}
	s := &audit.InternetNLScore{Method: internetNLMethod}
	passed, total := map[string]int{}, map[string]int{}
	var order []string
	for _, t := range internetNLTests {
		cat, _, _ := strings.Cut(t.name, "/")
		if !counted[cat] && !(cat == "options" && observed["web_app"]) {
			continue
		}
		pass := true
		for _, id := range t.ids {
			if found[id] {
				pass = false
			}
		}
		w := 0
		if counted[cat] {
			w = 1
			if total[cat] == 0 {
				order = append(order, cat)
			}
			total[cat]++
			if pass {
				passed[cat]++
			}
		}
		s.Tests = append(s.Tests, audit.InternetNLTest{Name: t.name, Pass: pass, Weight: w})
	}
	if len(order) == 0 {
		return nil
	}
	// The mean of the categories' shares, in integers, rounded half up.
	num, den := 0, 1
	for _, c := range order {
		den *= total[c]
	}
	for _, c := range order {
		num += passed[c] * den / total[c]
	}
	den *= len(order)
	s.Percent = (200*num + den) / (2 * den)
	return s
}
