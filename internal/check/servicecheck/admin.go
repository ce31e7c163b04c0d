package servicecheck

import (
	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

var defAdmin = &audit.Definition{
	ID:       "services.admin.exposed",
	Severity: audit.Medium,
	Title:    audit.Text{FR: "Interface d'administration ou de VPN exposée sur internet", EN: "Admin or VPN interface exposed to the internet"},
	Remediation: audit.Text{
		FR: "Réserver les interfaces d'administration au réseau d'administration ; pour un VPN ou un webmail qui doit rester joignable, appliquer sans délai les correctifs de l'éditeur (les avis du CERT-FR les signalent), exiger l'authentification multifacteur et surveiller les journaux.",
		EN: "Keep admin interfaces to the administration network; for a VPN or a webmail that must stay reachable, apply the vendor's fixes without delay (CERT-FR's advisories announce them), require multi-factor authentication and watch the logs.",
	},
	Standard: stdAdminIf,
}

// Admin reports the login pages of known admin and VPN products
// (servicesprobe's list) found on the audit's addresses.
var Admin = audit.CheckFunc("services.admin.exposed", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	each(o, func(a *audit.ServiceAddress, s *audit.Service) {
		if s.Web == nil || !s.Web.Admin {
			return
		}
		title := "-"
		if s.Web.Title != "" {
			title = evidence.Quote(s.Web.Title)
		}
		out = append(out, defAdmin.New(endpoint(a, s), audit.M("services.admin", "endpoint", endpoint(a, s), "names", names(a), "identity", evidence.Quote(s.Web.Product), "title", title)))
	})
	return out
}, defAdmin)
