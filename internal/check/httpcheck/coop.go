package httpcheck

import (
	"strings"

	"vigie.eu/vigie/internal/audit"
)

var coopMissing = &audit.Definition{
	ID:       "http.coop.missing",
	Severity: audit.Info,
	Title: audit.Text{
		FR: "Pas d'en-tête Cross-Origin-Opener-Policy qui isole les pages",
		EN: "No Cross-Origin-Opener-Policy header isolating the pages",
	},
	Remediation: audit.Text{
		FR: "Séparer les pages du site des fenêtres d'autres sites qu'elles ouvrent ou qui les ouvrent (fuites entre sites, Spectre). " +
			"nginx : « add_header Cross-Origin-Opener-Policy same-origin always; » ; " +
			"Apache : « Header always set Cross-Origin-Opener-Policy same-origin ». " +
			"Choisir same-origin-allow-popups si le site ouvre des fenêtres d'autres sites qui doivent lui répondre (paiement, connexion).",
		EN: "Separate the site's pages from the windows of other sites that they open or that open them (cross-site leaks, Spectre). " +
			"nginx: “add_header Cross-Origin-Opener-Policy same-origin always;”; " +
			"Apache: “Header always set Cross-Origin-Opener-Policy same-origin”. " +
			"Choose same-origin-allow-popups when the site opens windows of other sites that must answer it (payment, sign-in).",
	},
	Standard: "HTML Living Standard (WHATWG), Cross-origin opener policies; MDN Web Docs, Cross-Origin-Opener-Policy",
}

// COOP notes final HTML pages over HTTPS whose Cross-Origin-Opener-Policy
// leaves them in the browsing context group of the windows they open or
// that open them: no header, unsafe-none, or a value browsers do not
// know, which the HTML standard reads as unsafe-none.
var COOP = audit.CheckFunc("http.coop", func(o *audit.Observations) []audit.Finding {
	var f findings
	for _, p := range pages(o) {
		if !isHTML(p) {
			continue // COOP applies to documents only
		}
		switch coopValue(p.resp.Header("Cross-Origin-Opener-Policy")) {
		case "same-origin", "same-origin-allow-popups", "noopener-allow-popups":
			continue
		}
		f.add(coopMissing, p.host, headerProblem(p, "Cross-Origin-Opener-Policy", "http.coop.nothing"))
	}
	return f.list
}, coopMissing)

// coopValue returns the policy a browser reads from the header: HTML,
// "obtain a cross-origin opener policy", parses it as a structured field
// item (RFC 8941): one token, whose parameters (report-to) do not change
// the policy. Several values or none give "".
func coopValue(values []string) string {
	v := strings.Join(values, ",")
	if strings.Contains(v, ",") {
		return ""
	}
	token, _, _ := strings.Cut(v, ";")
	return strings.Trim(token, " \t")
}
