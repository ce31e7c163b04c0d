package privacycheck

import (
	"strings"

	"vigie.eu/vigie/internal/audit"
)

var defMixed = &audit.Definition{
	ID:       "privacy.mixed.runtime",
	Severity: audit.Medium,
	Title:    audit.Text{FR: "Ressources en clair chargées à l'exécution par une page HTTPS", EN: "Clear-text resources loaded at run time by an HTTPS page"},
	Remediation: audit.Text{
		FR: "Charger toutes les ressources en https:// (y compris celles qu'ajoutent les scripts) et ajouter « upgrade-insecure-requests » à la Content-Security-Policy.",
		EN: "Load every resource over https:// (those scripts add included) and add \"upgrade-insecure-requests\" to the Content-Security-Policy.",
	},
	Standard: stdMixed,
}

// Mixed reports the http:// requests a browser made while loading an
// https:// page (W3C Mixed Content): what scripts add, which the markup
// check (http.mixed_content) cannot see.
var Mixed = audit.CheckFunc("privacy.mixed", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	for _, p := range pages(o) {
		if p.Method != audit.PageBrowser || !strings.HasPrefix(pageURL(p), "https://") {
			continue
		}
		var insecure []string
		for _, r := range p.Requests {
			if strings.HasPrefix(r.URL, "http://") {
				insecure = append(insecure, r.URL)
			}
		}
		if len(insecure) > 0 {
			out = append(out, defMixed.New(pageURL(p), audit.M("privacy.mixed",
				"page", pageURL(p), "count", itoa(len(insecure)), "first", insecure[0])))
		}
	}
	return out
}, defMixed)
