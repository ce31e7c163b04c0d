package privacycheck

import "vigie.eu/vigie/internal/audit"

var defTrackers = &audit.Definition{
	ID:       "privacy.tracker.before_consent",
	Severity: audit.High,
	Title:    audit.Text{FR: "Traceurs chargés avant tout consentement", EN: "Trackers loaded before any consent"},
	Remediation: audit.Text{
		FR: "Ne charger les outils de mesure d'audience, de publicité et de réseaux sociaux (et le gestionnaire de balises qui les charge) qu'après le consentement du visiteur, par un gestionnaire de consentement ; ou choisir une mesure d'audience exemptée par la CNIL (Matomo ou AT Internet configurés selon ses conditions, auto-hébergés).",
		EN: "Load analytics, advertising and social network tools (and the tag manager that loads them) only after the visitor's consent, through a consent manager; or choose audience measurement the CNIL exempts (Matomo or AT Internet configured under its conditions, self-hosted).",
	},
	Standard: stdConsent,
}

// Trackers reports the third-party trackers (analytics, advertising,
// social, tag managers) a page loads without any interaction: the CNIL's
// guidelines (2020, article 82 of the loi Informatique et Libertés) put
// them under prior consent.
var Trackers = audit.CheckFunc("privacy.tracker", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	for _, p := range pages(o) {
		for _, tp := range third(p) {
			if !tracker(tp.Category) {
				continue
			}
			out = append(out, defTrackers.New(tp.Name, audit.M("privacy.tracker",
				"entity", tp.Name, "category", category(tp.Category), "company", tp.Company,
				"country", country(tp), "page", pageURL(p), "hosts", hosts(tp), "method", p.Method)))
		}
	}
	return out
}, defTrackers)
