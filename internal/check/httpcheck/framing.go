package httpcheck

import (
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

var framingMissing = &audit.Definition{
	ID:       "http.framing.missing",
	Severity: audit.Medium,
	Title: audit.Text{
		FR: "Aucune protection contre l'intégration du site dans un cadre (clickjacking)",
		EN: "No protection against framing (clickjacking)",
	},
	Remediation: audit.Text{
		FR: "Ajouter la directive CSP « frame-ancestors 'self' » (ou 'none'), et pour les anciens navigateurs X-Frame-Options. " +
			"nginx : « add_header X-Frame-Options SAMEORIGIN always; » ; " +
			"Apache : « Header always set X-Frame-Options \"SAMEORIGIN\" ».",
		EN: "Add the CSP directive \"frame-ancestors 'self'\" (or 'none'), and X-Frame-Options for older browsers. " +
			"nginx: \"add_header X-Frame-Options SAMEORIGIN always;\"; " +
			"Apache: “Header always set X-Frame-Options \"SAMEORIGIN\"”.",
	},
	Standard: "RFC 7034; Content Security Policy Level 3 (W3C), frame-ancestors; Mozilla Web Security Guidelines (X-Frame-Options)",
}

// Framing reports final HTTPS pages that any site may frame: neither a
// CSP frame-ancestors directive nor a valid X-Frame-Options header.
var Framing = audit.CheckFunc("http.framing", func(o *audit.Observations) []audit.Finding {
	var f findings
	for _, p := range pages(o) {
		protected := false
		for _, v := range p.resp.Header("Content-Security-Policy") {
			for _, pol := range audit.ParseCSP(v) {
				if _, ok := pol.Get("frame-ancestors"); ok {
					protected = true
				}
			}
		}
		xfo := p.resp.Header("X-Frame-Options")
		if protected || frameOptionsValid(xfo) {
			continue
		}
		ev := audit.M("http.framing.missing", "url", evidence.Quote(p.resp.URL))
		if len(xfo) > 0 {
			ev = audit.M("http.framing.invalid", "value", evidence.Quote(strings.Join(xfo, ", ")))
		}
		f.add(framingMissing, p.host, ev)
	}
	return f.list
}, framingMissing)

// frameOptionsValid reports whether X-Frame-Options says DENY or
// SAMEORIGIN (RFC 7034, section 2.1), the same one in every value, as
// browsers require. ALLOW-FROM is no longer honoured by browsers.
func frameOptionsValid(values []string) bool {
	var seen string
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			part = strings.ToLower(strings.Trim(part, " \t"))
			if part != "deny" && part != "sameorigin" {
				return false
			}
			if seen != "" && seen != part {
				return false
			}
			seen = part
		}
	}
	return seen != ""
}
