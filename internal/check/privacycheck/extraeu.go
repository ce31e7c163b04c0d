package privacycheck

import "vigie.eu/vigie/internal/audit"

var defExtraEU = &audit.Definition{
	ID:       "privacy.third_party.extra_eu",
	Severity: audit.Medium,
	Title:    audit.Text{FR: "Données des visiteurs envoyées à des sociétés soumises à un droit extra-européen", EN: "Visitors' data sent to companies under extra-European law"},
	Remediation: audit.Text{
		FR: "Remplacer ces services par des équivalents soumis au seul droit européen, ou les héberger soi-même (polices, bibliothèques, mesure d'audience) ; à défaut, documenter le transfert (RGPD, chapitre V) et ne le faire qu'après consentement.",
		EN: "Replace these services with equivalents under European law alone, or host them yourself (fonts, libraries, analytics); failing that, document the transfer (GDPR, chapter V) and make it only after consent.",
	},
	Standard: stdTransfer,
}

// ExtraEU reports the third parties of a page that a law outside the
// European Union reaching data wherever they are stored binds (the US
// CLOUD Act and FISA 702, China's and Russia's intelligence laws), as
// the third-party table recorded them.
var ExtraEU = audit.CheckFunc("privacy.third_party", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	for _, p := range pages(o) {
		for _, tp := range third(p) {
			if !tp.Extraterritorial {
				continue
			}
			out = append(out, defExtraEU.New(tp.Name, audit.M("privacy.extra_eu",
				"entity", tp.Name, "company", tp.Company, "country", country(tp),
				"laws", laws(tp), "page", pageURL(p), "hosts", hosts(tp))))
		}
	}
	return out
}, defExtraEU)
