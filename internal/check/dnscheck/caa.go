package dnscheck

import (
	"vigie.eu/vigie/internal/audit"
)

var defCAAMissing = &audit.Definition{
	ID:       "dns.caa.missing",
	Severity: audit.Low,
	Title: audit.Text{
		FR: "Aucun enregistrement CAA ne restreint les autorités de certification",
		EN: "No CAA record restricts the certification authorities",
	},
	Remediation: audit.Text{
		FR: "Publier à la racine du domaine un enregistrement CAA qui nomme la ou les autorités utilisées et une adresse de signalement, par exemple « example.fr. IN CAA 0 issue \"letsencrypt.org\" » et « example.fr. IN CAA 0 iodef \"mailto:securite@example.fr\" » : toute autre autorité devra refuser d'émettre un certificat pour le domaine.",
		EN: "Publish at the domain's apex a CAA record naming the authority or authorities in use and a reporting address, for instance: example.com. IN CAA 0 issue \"letsencrypt.org\" and example.com. IN CAA 0 iodef \"mailto:security@example.com\". Any other authority must then refuse to issue a certificate for the domain.",
	},
	Standard: "RFC 8659; CA/Browser Forum, Baseline Requirements, Section 3.2.2.8",
}

// CAA reports a domain with no CAA record set, neither at its name nor at
// any parent (RFC 8659 Section 3), when every CAA query was answered.
var CAA = audit.CheckFunc("dns.caa", func(o *audit.Observations) []audit.Finding {
	d := observed(o)
	if d == nil || len(d.CAA) > 0 || d.CAADomain != "" {
		return nil
	}
	if queryFailed(d, "", "CAA") || !querySucceeded(d, "", "CAA") {
		return nil
	}
	return []audit.Finding{defCAAMissing.New(o.Domain, audit.M("dns.caa.missing", "domain", canonical(o.Domain)))}
}, defCAAMissing)
