package privacycheck

import (
	"slices"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

var defNoConsent = &audit.Definition{
	ID:       "privacy.consent.missing",
	Severity: audit.Medium,
	Title:    audit.Text{FR: "Traceurs sans gestionnaire de consentement", EN: "Trackers without a consent manager"},
	Remediation: audit.Text{
		FR: "Installer un gestionnaire de consentement (tarteaucitron.js, libre et auto-hébergeable, ou un autre) qui bloque les traceurs jusqu'au choix du visiteur, avec un bouton « Tout refuser » aussi simple que « Tout accepter » ; ou retirer les traceurs.",
		EN: "Install a consent manager (tarteaucitron.js, free and self-hostable, or another) that blocks trackers until the visitor chooses, with a \"Refuse all\" button as easy as \"Accept all\"; or remove the trackers.",
	},
	Standard: stdConsent,
}

// NoConsent reports a page that loads third-party trackers while no
// consent manager of the table is on it.
var NoConsent = audit.CheckFunc("privacy.consent", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	for _, p := range pages(o) {
		var trackers []string
		for _, tp := range third(p) {
			if tracker(tp.Category) {
				trackers = append(trackers, tp.Name)
			}
		}
		if len(trackers) == 0 || slices.ContainsFunc(p.ThirdParties, func(tp audit.ThirdParty) bool { return tp.Category == "consent_manager" }) {
			continue
		}
		out = append(out, defNoConsent.New(pageURL(p), audit.M("privacy.no_consent",
			"page", pageURL(p), "trackers", evidence.List(trackers, ", "))))
	}
	return out
}, defNoConsent)
