package tlscheck

import (
	"strconv"
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

var defWeakKey = &audit.Definition{
	ID:       "tls.cert.weak_key",
	Severity: audit.High,
	Title: audit.Text{
		FR: "Le certificat utilise une clé trop courte",
		EN: "The certificate uses a key that is too short",
	},
	Remediation: audit.Text{
		FR: "Générer une nouvelle clé d'au moins 2048 bits en RSA (3072 recommandé) ou 256 bits en ECDSA (P-256 ou P-384), par exemple « openssl ecparam -genkey -name prime256v1 », et faire émettre un nouveau certificat ; si la clé faible est celle d'un intermédiaire, changer d'autorité de certification.",
		EN: "Generate a new key of at least 2048 bits for RSA (3072 recommended) or 256 bits for ECDSA (P-256 or P-384), for instance \"openssl ecparam -genkey -name prime256v1\", and have a new certificate issued; if the weak key belongs to an intermediate, change certification authority.",
	},
	Standard: cabBR + ", Section 6.1.5; " + anssiTLS + "; " + ncscTLS,
}

// Key reports RSA keys under 2048 bits and elliptic-curve keys under 256
// bits, in the leaf and in the intermediates the server sent. A
// self-signed certificate after the leaf is a root: its key is the
// root store's business, not the server's.
var Key = audit.CheckFunc("tls.cert.key", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	for _, t := range probed(o) {
		var weak []audit.Message
		for i, c := range t.Certificates {
			if i > 0 && c.SelfSigned {
				continue
			}
			if weakKey(c) {
				weak = append(weak, audit.M("tls.cert.weak_key", "type", c.KeyType, "bits", strconv.Itoa(c.KeyBits)).WithItems(role(i, c)))
			}
		}
		if len(weak) > 0 {
			out = append(out, defWeakKey.New(t.Host, audit.M("list").WithItems(weak...)))
		}
	}
	return out
}, defWeakKey)

// weakKey applies the minimum sizes of the CA/Browser Forum Baseline
// Requirements, Section 6.1.5. An unknown size (0) is not judged.
func weakKey(c audit.Certificate) bool {
	if c.KeyBits <= 0 {
		return false
	}
	switch strings.ToUpper(c.KeyType) {
	case "RSA", "DSA":
		return c.KeyBits < 2048
	case "ECDSA", "EC":
		return c.KeyBits < 256
	}
	return false
}

// role names a certificate of the chain for evidence.
func role(i int, c audit.Certificate) audit.Message {
	if i == 0 {
		return audit.M("tls.cert.leaf")
	}
	return audit.M("tls.cert.intermediate", "subject", evidence.Quote(c.Subject))
}
