package servicecheck

import "vigie.eu/vigie/internal/audit"

var defNoAuth = &audit.Definition{
	ID:       "services.no_auth",
	Severity: audit.Critical,
	Title:    audit.Text{FR: "Service accessible sans authentification depuis internet", EN: "Service reachable without authentication from the internet"},
	Remediation: audit.Text{
		FR: "Fermer immédiatement le port au pare-feu, puis exiger une authentification (Redis : « requirepass » ou des ACL et « protected-mode yes » ; MongoDB : « security.authorization: enabled » ; Elasticsearch : « xpack.security.enabled: true » ; memcached : « -l 127.0.0.1 » et SASL) ; vérifier que les données n'ont pas été lues, effacées ou chiffrées.",
		EN: "Close the port at the firewall at once, then require authentication (Redis: \"requirepass\" or ACLs and \"protected-mode yes\"; MongoDB: \"security.authorization: enabled\"; Elasticsearch: \"xpack.security.enabled: true\"; memcached: \"-l 127.0.0.1\" and SASL); check that the data was not read, wiped or encrypted.",
	},
	Standard: stdNoAuth,
}

var defVNCNone = &audit.Definition{
	ID:       "services.vnc.no_auth",
	Severity: audit.Critical,
	Title:    audit.Text{FR: "VNC sans mot de passe : prise de main de l'écran par n'importe qui", EN: "VNC without a password: anyone can take over the screen"},
	Remediation: audit.Text{
		FR: "Fermer le port 5900 au pare-feu et retirer le type de sécurité « None » de la configuration du serveur VNC.",
		EN: "Close port 5900 at the firewall and remove the \"None\" security type from the VNC server's configuration.",
	},
	Standard: stdNoAuth,
}

// NoAuth reports services that answered a question that should need a
// password (a Redis INFO, MongoDB's list of databases, an Elasticsearch
// or Docker version document, memcached's version), and VNC servers that
// offer the None security type (RFC 6143 section 7.2.1).
var NoAuth = audit.CheckFunc("services.no_auth", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	each(o, func(a *audit.ServiceAddress, s *audit.Service) {
		if s.NoAuth {
			out = append(out, defNoAuth.New(endpoint(a, s), audit.M("services.no_auth", "service", serviceName(s), "endpoint", endpoint(a, s), "identity", identity(s))))
		}
		if s.VNC != nil {
			for _, t := range s.VNC.SecurityTypes {
				if t == 1 {
					out = append(out, defVNCNone.New(endpoint(a, s), audit.M("services.vnc_none", "endpoint", endpoint(a, s))))
					break
				}
			}
		}
	})
	return out
}, defNoAuth, defVNCNone)
