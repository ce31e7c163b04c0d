package dnscheck

import (
	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

var defNotPublic = &audit.Definition{
	ID:       "dns.address.not_public",
	Severity: audit.Medium,
	Title: audit.Text{
		FR: "Le domaine mène à une adresse hors de l'internet public",
		EN: "The domain leads to an address outside the public internet",
	},
	Remediation: audit.Text{
		FR: "Retirer des enregistrements publics (A, AAAA, MX, mta-sts) et des redirections les adresses internes (privées RFC 1918, bouclage, lien local, CGNAT...) : elles ne servent à aucun visiteur, elles révèlent le réseau interne et elles exposent à des requêtes détournées vers lui. Publier l'adresse publique du service, ou un nom qui y mène.",
		EN: "Remove internal addresses (RFC 1918 private, loopback, link-local, CGNAT...) from public records (A, AAAA, MX, mta-sts) and from redirects: they serve no visitor, reveal the internal network and expose it to requests turned against it. Publish the service's public address, or a name that leads to it.",
	},
	Standard: "RFC 6890 (special-purpose address registries); RFC 1918 section 3",
}

// NotPublic reports each address outside the public internet that the
// audit was led to (by the domain's records or its redirects) and that
// the address guard refused: a public domain pointing inside is
// misconfigured. Refused redirect ports are not judged here: the
// observation records them.
var NotPublic = audit.CheckFunc("dns.address", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	for _, r := range o.Refused {
		if r.Reason == "port" || r.Reason == "invalid" {
			continue
		}
		out = append(out, defNotPublic.New(o.Domain,
			audit.M("guard.refused", "address", evidence.Quote(r.Address)).WithItems(audit.M("guard.reason."+r.Reason))))
	}
	return out
}, defNotPublic)
