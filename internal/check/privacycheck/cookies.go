package privacycheck

import (
	"vigie.eu/vigie/internal/audit"
)

var defCookies = &audit.Definition{
	ID:       "privacy.cookie.third_party",
	Severity: audit.High,
	Title:    audit.Text{FR: "Cookies tiers déposés avant tout consentement", EN: "Third-party cookies set before any consent"},
	Remediation: audit.Text{
		FR: "Ne laisser déposer aucun cookie tiers avant le consentement du visiteur : retirer les contenus tiers de la page d'accueil ou les bloquer jusqu'au consentement (gestionnaire de consentement, contenus intégrés en « deux clics »).",
		EN: "Let no third-party cookie be set before the visitor's consent: remove the third-party content from the home page or block it until consent (a consent manager, \"two-click\" embeds).",
	},
	Standard: stdConsent,
}

// Cookies reports the third-party cookies present after a load without
// any interaction (only a browser sees them).
var Cookies = audit.CheckFunc("privacy.cookie", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	for _, p := range pages(o) {
		for _, c := range p.Cookies {
			if c.Party != "third" {
				continue
			}
			entity := c.Entity
			if tp := p.Party(c.Entity); tp != nil {
				entity = tp.Name + ", " + country(tp)
			}
			if entity == "" {
				entity = "?"
			}
			out = append(out, defCookies.New(c.Domain+" "+c.Name, audit.M("privacy.cookie",
				"cookie", c.Name, "domain", c.Domain, "entity", entity, "page", pageURL(p), "days", itoa(c.LifetimeDays))))
		}
	}
	return out
}, defCookies)
