package tlscheck

import (
	"vigie.eu/vigie/internal/audit"
)

var defEMS = &audit.Definition{
	ID:       "tls.ems.missing",
	Severity: audit.Low,
	Title: audit.Text{
		FR: "Le serveur ne prend pas en charge l'« extended master secret » (RFC 7627)",
		EN: "The server does not support the extended master secret (RFC 7627)",
	},
	Remediation: audit.Text{
		FR: "Mettre à jour la bibliothèque TLS du serveur (OpenSSL 1.1.0 ou plus récent gère l'extension extended_master_secret) et activer TLS 1.3, où ce mécanisme est intégré.",
		EN: "Update the server's TLS library (OpenSSL 1.1.0 or later supports the extended_master_secret extension) and enable TLS 1.3, where the mechanism is built in.",
	},
	Standard: "RFC 7627; " + bcp195,
}

// ExtendedMasterSecret reports a host that negotiates TLS 1.2 or older
// without the extended_master_secret extension and does not offer TLS 1.3,
// leaving its sessions open to the triple handshake attack (RFC 7627).
var ExtendedMasterSecret = audit.CheckFunc("tls.ems", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	for _, t := range probed(o) {
		if t.ExtendedMasterSecret == nil || *t.ExtendedMasterSecret || !legacyAccepted(t) || accepted(t, audit.TLS13) {
			continue
		}
		out = append(out, defEMS.New(t.Host, audit.M("tls.ems.missing")))
	}
	return out
}, defEMS)
