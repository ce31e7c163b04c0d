package privacycheck

import "vigie.eu/vigie/internal/audit"

var defCDN = &audit.Definition{
	ID:       "privacy.cdn.third_party",
	Severity: audit.Low,
	Title:    audit.Text{FR: "Polices ou scripts chargés depuis un CDN tiers", EN: "Fonts or scripts loaded from a third-party CDN"},
	Remediation: audit.Text{
		FR: "Servir les polices, bibliothèques et feuilles de style depuis le site lui-même : c'est gratuit, plus rapide souvent, et plus aucune visite ne part chez un tiers.",
		EN: "Serve fonts, libraries and stylesheets from the site itself: it is free, often faster, and no visit goes to a third party any more.",
	},
	Standard: stdCDN,
}

// CDN reports the fonts and CDN libraries a page takes from a third
// party: each request gives it the visitor's address and the page.
var CDN = audit.CheckFunc("privacy.cdn", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	for _, p := range pages(o) {
		for _, tp := range third(p) {
			if tp.Category != "fonts" && tp.Category != "cdn" {
				continue
			}
			out = append(out, defCDN.New(tp.Name, audit.M("privacy.cdn",
				"category", category(tp.Category), "entity", tp.Name, "company", tp.Company,
				"country", country(tp), "page", pageURL(p), "hosts", hosts(tp))))
		}
	}
	return out
}, defCDN)
