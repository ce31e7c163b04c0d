package tlscheck

import (
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

// postQuantumGroup is the hybrid key exchange of X25519 and ML-KEM-768.
const postQuantumGroup = "X25519MLKEM768"

var defNoPostQuantum = &audit.Definition{
	ID:       "tls.kex.no_post_quantum",
	Severity: audit.Info,
	Title: audit.Text{
		FR: "Le serveur ne propose pas d'échange de clés post-quantique hybride (X25519MLKEM768)",
		EN: "The server offers no hybrid post-quantum key exchange (X25519MLKEM768)",
	},
	Remediation: audit.Text{
		FR: "Activer le groupe hybride X25519MLKEM768 en TLS 1.3 pour protéger dès aujourd'hui le trafic contre un déchiffrement futur par un ordinateur quantique : OpenSSL 3.5 ou plus récent, nginx « ssl_ecdh_curve X25519MLKEM768:X25519:prime256v1; », Apache « SSLOpenSSLConfCmd Groups X25519MLKEM768:X25519:prime256v1 ».",
		EN: "Enable the hybrid group X25519MLKEM768 with TLS 1.3 to protect traffic today against future decryption by a quantum computer: OpenSSL 3.5 or later, nginx \"ssl_ecdh_curve X25519MLKEM768:X25519:prime256v1;\", Apache \"SSLOpenSSLConfCmd Groups X25519MLKEM768:X25519:prime256v1\".",
	},
	Standard: "IETF draft-ietf-tls-ecdhe-mlkem; ANSSI, avis sur la migration vers la cryptographie post-quantique",
}

// KeyExchange reports a host whose accepted key-exchange groups, when the
// probe enumerated them, do not include X25519MLKEM768.
var KeyExchange = audit.CheckFunc("tls.kex", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	for _, t := range probed(o) {
		if len(t.Groups) == 0 {
			continue
		}
		if t.Handshake != nil && strings.EqualFold(t.Handshake.Group, postQuantumGroup) {
			continue
		}
		pq := false
		for _, g := range t.Groups {
			if strings.EqualFold(g, postQuantumGroup) {
				pq = true
			}
		}
		if !pq {
			out = append(out, defNoPostQuantum.New(t.Host, audit.M("tls.kex.groups", "groups", evidence.List(t.Groups, ", "))))
		}
	}
	return out
}, defNoPostQuantum)
