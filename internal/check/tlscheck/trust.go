package tlscheck

import (
	"strconv"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

var defUntrusted = &audit.Definition{
	ID:       "tls.cert.untrusted",
	Severity: audit.Critical,
	Title: audit.Text{
		FR: "La chaîne de certificats ne mène pas à une autorité de confiance",
		EN: "The certificate chain does not lead to a trusted authority",
	},
	Remediation: audit.Text{
		FR: "Obtenir un certificat d'une autorité de certification reconnue par les navigateurs (par exemple Let's Encrypt via ACME) et configurer la chaîne complète : nginx « ssl_certificate » pointe vers le fichier fullchain, Apache 2.4.8+ « SSLCertificateFile » contient le certificat suivi des intermédiaires.",
		EN: "Get a certificate from a certification authority trusted by browsers (for instance Let's Encrypt through ACME) and serve the full chain: nginx \"ssl_certificate\" points to the fullchain file, Apache 2.4.8+ \"SSLCertificateFile\" holds the certificate followed by the intermediates.",
	},
	Standard: "RFC 5280, Section 6; " + anssiTLS,
}

var defSelfSigned = &audit.Definition{
	ID:       "tls.cert.self_signed",
	Severity: audit.Critical,
	Title: audit.Text{
		FR: "Le serveur présente un certificat auto-signé",
		EN: "The server presents a self-signed certificate",
	},
	Remediation: audit.Text{
		FR: "Remplacer le certificat auto-signé par un certificat émis par une autorité reconnue (par exemple Let's Encrypt, gratuit et automatisable par ACME) : un certificat auto-signé habitue les usagers à ignorer les alertes de sécurité.",
		EN: "Replace the self-signed certificate with one issued by a trusted authority (for instance Let's Encrypt, free and automated through ACME): a self-signed certificate teaches users to ignore security warnings.",
	},
	Standard: "RFC 5280, Section 6; " + anssiTLS,
}

var defMissingIntermediate = &audit.Definition{
	ID:       "tls.cert.missing_intermediate",
	Severity: audit.Medium,
	Title: audit.Text{
		FR: "Le serveur n'envoie pas le certificat intermédiaire",
		EN: "The server does not send the intermediate certificate",
	},
	Remediation: audit.Text{
		FR: "Configurer la chaîne complète (certificat puis intermédiaires, sans la racine) : nginx « ssl_certificate /chemin/fullchain.pem; », Apache 2.4.8+ « SSLCertificateFile » avec le fichier fullchain. Sans l'intermédiaire, de nombreux clients (applications, API, certains mobiles) échouent.",
		EN: "Serve the full chain (certificate then intermediates, without the root): nginx \"ssl_certificate /path/fullchain.pem;\", Apache 2.4.8+ \"SSLCertificateFile\" with the fullchain file. Without the intermediate, many clients (applications, APIs, some mobiles) fail.",
	},
	Standard: "RFC 8446, Section 4.4.2; RFC 5246, Section 7.4.2",
}

// Trust reports a chain that does not verify against the trusted roots:
// self-signed when the leaf signs itself, missing intermediate when the
// verifier could complete the chain with a certificate the server did not
// send, untrusted otherwise (RFC 5280 Section 6).
//
// When the leaf is outside its validity period, Go's verifier stops at the
// dates and never tries the chain: nothing is said then about trust (the
// validity check reports the dates).
var Trust = audit.CheckFunc("tls.cert.trust", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	for _, t := range probed(o) {
		v := t.Verification
		if v == nil || v.Trusted || len(t.Certificates) == 0 {
			continue
		}
		leaf := t.Certificates[0]
		switch {
		case leaf.SelfSigned:
			out = append(out, defSelfSigned.New(t.Host, audit.M("tls.cert.self_signed", "subject", evidence.Quote(leaf.Subject))))
		case v.MissingIntermediate:
			last := t.Certificates[len(t.Certificates)-1]
			out = append(out, defMissingIntermediate.New(t.Host, audit.M(plural(len(t.Certificates), "tls.cert.missing_intermediate"), "count", strconv.Itoa(len(t.Certificates)), "issuer", evidence.Quote(last.Issuer))))
		case outOfValidity(leaf, o.Time) && audit.FailureCode(v.TrustError) == "tls.cert_dates":
			// Trust to a root is unknown; see the doc comment.
		default:
			ev := audit.M("tls.cert.no_chain")
			if v.TrustError != "" {
				ev = audit.M("tls.cert.not_trusted").WithItems(audit.Failure(v.TrustError))
			}
			if v.Roots != "" {
				ev = audit.M("tls.cert.roots", "roots", v.Roots).WithItems(ev)
			}
			out = append(out, defUntrusted.New(t.Host, ev))
		}
	}
	return out
}, defUntrusted, defSelfSigned, defMissingIntermediate)

// plural returns code for a count of one, code+"s" for any other.
func plural(n int, code string) string {
	if n == 1 {
		return code
	}
	return code + "s"
}
