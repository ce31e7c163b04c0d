package tlscheck

import (
	"strings"

	"vigie.eu/vigie/internal/audit"
)

var defSHA1Signature = &audit.Definition{
	ID:       "tls.cert.sha1_signature",
	Severity: audit.High,
	Title: audit.Text{
		FR: "Un certificat de la chaîne est signé avec SHA-1 ou MD5",
		EN: "A certificate of the chain is signed with SHA-1 or MD5",
	},
	Remediation: audit.Text{
		FR: "Faire réémettre le certificat avec une signature SHA-256 ou plus forte (toutes les autorités reconnues le font) et installer la chaîne à jour ; SHA-1 et MD5 permettent de forger des certificats par collision.",
		EN: "Have the certificate reissued with a SHA-256 or stronger signature (every trusted authority does so) and install the updated chain; SHA-1 and MD5 allow certificates to be forged through collisions.",
	},
	Standard: cabBR + ", Section 7.1.3; " + bcp195 + "; " + anssiTLS,
}

// Signature reports the leaf and intermediates signed with SHA-1, MD5 or
// MD2. A self-signed certificate's signature protects nothing (its trust
// comes from the root store, or from nowhere) and is not judged.
var Signature = audit.CheckFunc("tls.cert.signature", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	for _, t := range probed(o) {
		var weak []audit.Message
		for i, c := range t.Certificates {
			if c.SelfSigned {
				continue
			}
			if weakSignature(c.SignatureAlgorithm) {
				weak = append(weak, audit.M("tls.cert.signature", "algorithm", c.SignatureAlgorithm).WithItems(role(i, c)))
			}
		}
		if len(weak) > 0 {
			out = append(out, defSHA1Signature.New(t.Host, audit.M("list").WithItems(weak...)))
		}
	}
	return out
}, defSHA1Signature)

// weakSignature recognises Go's names of signature algorithms
// ("SHA1-RSA", "ECDSA-SHA1", "MD5-RSA") and OpenSSL's
// ("sha1WithRSAEncryption").
func weakSignature(alg string) bool {
	a := strings.ToUpper(alg)
	return strings.Contains(a, "SHA1") || strings.Contains(a, "MD5") || strings.Contains(a, "MD2")
}
