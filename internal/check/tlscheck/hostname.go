package tlscheck

import (
	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

var defHostnameMismatch = &audit.Definition{
	ID:       "tls.cert.hostname_mismatch",
	Severity: audit.Critical,
	Title: audit.Text{
		FR: "Le certificat ne correspond pas au nom du site",
		EN: "The certificate does not match the site name",
	},
	Remediation: audit.Text{
		FR: "Émettre un certificat dont l'extension subjectAltName couvre ce nom (et le nom avec ou sans « www. »), puis l'installer sur le serveur ; avec plusieurs sites sur une même adresse, vérifier que chaque « server_name » (nginx) ou « ServerName » (Apache) utilise son propre certificat.",
		EN: "Issue a certificate whose subjectAltName extension covers this name (and the name with and without \"www.\"), then install it; with several sites on one address, check that each \"server_name\" (nginx) or \"ServerName\" (Apache) uses its own certificate.",
	},
	Standard: "RFC 9525, Section 6; RFC 5280, Section 4.2.1.6",
}

// Hostname reports a leaf certificate that is not valid for the host name,
// whatever its trust (RFC 9525 Section 6).
var Hostname = audit.CheckFunc("tls.cert.hostname", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	for _, t := range probed(o) {
		v := t.Verification
		if v == nil || v.HostnameMatch || len(t.Certificates) == 0 {
			continue
		}
		leaf := t.Certificates[0]
		var ev audit.Message
		switch {
		case len(leaf.DNSNames) > 0:
			ev = audit.M("tls.cert.name_not_listed", "host", t.Host, "names", evidence.List(evidence.QuoteAll(leaf.DNSNames), ", "))
		case v.HostnameError != "":
			ev = audit.M("tls.cert.name_not_verified").WithItems(audit.Failure(v.HostnameError))
		default:
			ev = audit.M("tls.cert.no_dns_name", "subject", evidence.Quote(leaf.Subject))
		}
		out = append(out, defHostnameMismatch.New(t.Host, ev))
	}
	return out
}, defHostnameMismatch)
