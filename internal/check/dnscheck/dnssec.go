package dnscheck

import (
	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

var defDNSSECMissing = &audit.Definition{
	ID:       "dns.dnssec.missing",
	Severity: audit.Medium,
	Title: audit.Text{
		FR: "Le domaine n'est pas protégé par DNSSEC",
		EN: "The domain is not protected by DNSSEC",
	},
	Remediation: audit.Text{
		FR: "Signer la zone (signature automatique chez l'hébergeur DNS, ou « dnssec-policy default; » dans BIND 9.16+, « dnssec-signing: on » dans Knot DNS) avec l'algorithme 13 (ECDSAP256SHA256), puis publier l'enregistrement DS auprès du bureau d'enregistrement.",
		EN: "Sign the zone (automatic signing at the DNS host, or \"dnssec-policy default;\" in BIND 9.16+, \"dnssec-signing: on\" in Knot DNS) with algorithm 13 (ECDSAP256SHA256), then publish the DS record through the registrar.",
	},
	Standard: "RFC 4033; RFC 4035; " + anssiDNS,
}

var defDNSSECBogus = &audit.Definition{
	ID:       "dns.dnssec.bogus",
	Severity: audit.High,
	Title: audit.Text{
		FR: "La validation DNSSEC du domaine échoue",
		EN: "DNSSEC validation of the domain fails",
	},
	Remediation: audit.Text{
		FR: "Corriger la chaîne de confiance selon la raison indiquée : re-signer la zone si des signatures ont expiré (vérifier que la signature automatique tourne), ou mettre à jour l'enregistrement DS chez le bureau d'enregistrement pour qu'il corresponde à la clé (KSK) publiée. Les résolveurs validants (dont ceux des grands FAI) rendent le domaine injoignable tant que l'erreur persiste.",
		EN: "Repair the chain of trust according to the reason given: re-sign the zone if signatures expired (check that automatic signing runs), or update the DS record at the registrar so that it matches the published key (KSK). Validating resolvers (including those of large ISPs) make the domain unreachable while the error lasts.",
	},
	Standard: "RFC 4035, Section 5; RFC 4033",
}

// DNSSEC reports a domain whose validation, from the trust anchor down,
// ends insecure (no signed delegation) or bogus (RFC 4033 Section 5). An
// indeterminate status means the probe could not find out (a timeout, a
// refusal, SERVFAIL, a bound of the validator): no finding. A zone that
// is insecure only because vigie cannot verify its algorithm or digest
// (RFC 4035 Section 5.2, RFC 8624 Section 3: Ed448, GOST, an unknown
// number) is vigie's limit, not the domain's fault: no finding either;
// the observation says so (DNSSEC.Unsupported).
var DNSSEC = audit.CheckFunc("dns.dnssec", func(o *audit.Observations) []audit.Finding {
	d := observed(o)
	if d == nil || d.DNSSEC == nil {
		return nil
	}
	s := d.DNSSEC
	switch s.Status {
	case audit.DNSSECInsecure:
		if len(s.Unsupported) > 0 {
			return nil
		}
		return []audit.Finding{defDNSSECMissing.New(o.Domain, withReason("insecure", s.Reason))}
	case audit.DNSSECBogus:
		return []audit.Finding{defDNSSECBogus.New(o.Domain, withReason("bogus", s.Reason))}
	}
	return nil
}, defDNSSECMissing, defDNSSECBogus)

func withReason(status, reason string) audit.Message {
	if reason == "" {
		return audit.M("dns.dnssec." + status)
	}
	return audit.M("dns.dnssec."+status+"_reason", "reason", evidence.Quote(reason))
}
