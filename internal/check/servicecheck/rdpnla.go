package servicecheck

import "vigie.eu/vigie/internal/audit"

var defRDPNoNLA = &audit.Definition{
	ID:       "services.rdp.no_nla",
	Severity: audit.High,
	Title:    audit.Text{FR: "Bureau à distance sans authentification au niveau du réseau (NLA)", EN: "Remote desktop without network level authentication (NLA)"},
	Remediation: audit.Text{
		FR: "Exiger NLA (Windows : « Autoriser uniquement les connexions des ordinateurs exécutant le Bureau à distance avec authentification NLA » ; xrdp n'en dispose pas : le réserver au réseau interne), fermer le port 3389 au pare-feu et passer par un VPN à jour.",
		EN: "Require NLA (Windows: \"Allow connections only from computers running Remote Desktop with Network Level Authentication\"; xrdp has none: keep it to the internal network), close port 3389 at the firewall and go through an up-to-date VPN.",
	},
	Standard: stdRDP,
}

// RDPNLA reports RDP servers that accept a session without CredSSP
// ([MS-RDPBCGR] 2.2.1.2.1): the login screen, and the flaws before it,
// are then open to anyone.
var RDPNLA = audit.CheckFunc("services.rdp.no_nla", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	each(o, func(a *audit.ServiceAddress, s *audit.Service) {
		if r := s.RDP; r != nil && !r.NLARequired && r.Failure == 0 {
			sel := r.Selected
			if sel == "" {
				sel = "rdp"
			}
			out = append(out, defRDPNoNLA.New(endpoint(a, s), audit.M("services.rdp_no_nla", "endpoint", endpoint(a, s), "selected", sel)))
		}
	})
	return out
}, defRDPNoNLA)
