package tlscheck

import (
	"vigie.eu/vigie/internal/audit"
)

var defRenegotiation = &audit.Definition{
	ID:       "tls.renegotiation.insecure",
	Severity: audit.Medium,
	Title: audit.Text{
		FR: "Le serveur ne prend pas en charge la renégociation sécurisée (RFC 5746)",
		EN: "The server does not support secure renegotiation (RFC 5746)",
	},
	Remediation: audit.Text{
		FR: "Mettre à jour la bibliothèque TLS du serveur (toute version d'OpenSSL maintenue gère l'extension renegotiation_info) ; à défaut, désactiver la renégociation initiée par le client.",
		EN: "Update the server's TLS library (every maintained OpenSSL version supports the renegotiation_info extension); failing that, disable client-initiated renegotiation.",
	},
	Standard: "RFC 5746; " + bcp195 + ", Section 3.5; " + anssiTLS,
}

// Renegotiation reports a host that answered a TLS 1.2 or older handshake
// without the renegotiation_info extension (RFC 5746).
var Renegotiation = audit.CheckFunc("tls.renegotiation", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	for _, t := range probed(o) {
		if t.SecureRenegotiation == nil || *t.SecureRenegotiation || !legacyAccepted(t) {
			continue
		}
		out = append(out, defRenegotiation.New(t.Host, audit.M("tls.renegotiation.missing")))
	}
	return out
}, defRenegotiation)
