package dnscheck

import (
	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

var defTooFewNS = &audit.Definition{
	ID:       "dns.ns.too_few",
	Severity: audit.Low,
	Title: audit.Text{
		FR: "Le domaine a moins de deux serveurs de noms",
		EN: "The domain has fewer than two name servers",
	},
	Remediation: audit.Text{
		FR: "Ajouter au moins un serveur de noms secondaire, sur un autre réseau (idéalement chez un autre opérateur), le déclarer dans les enregistrements NS de la zone et auprès du bureau d'enregistrement : sans lui, la panne d'un seul serveur rend le domaine (site, messagerie) injoignable.",
		EN: "Add at least one secondary name server, on another network (ideally at another operator), list it in the zone's NS records and at the registrar: without it, the failure of one server makes the domain (web, mail) unreachable.",
	},
	Standard: "RFC 1034, Section 4.1; RFC 2182; " + anssiDNS,
}

// NameServers reports a zone with fewer than two distinct name servers
// (RFC 1034 Section 4.1). It judges only an NS set that was obtained; an
// empty set is judged only when the domain is known to be a zone apex
// (its SOA is its own).
var NameServers = audit.CheckFunc("dns.ns", func(o *audit.Observations) []audit.Finding {
	d := observed(o)
	if d == nil {
		return nil
	}
	names := map[string]bool{}
	for _, ns := range d.NS {
		if n := canonical(ns.Name); n != "" {
			names[n] = true
		}
	}
	switch len(names) {
	case 0:
		apex := d.SOA != nil && canonical(d.SOA.Zone) == canonical(o.Domain)
		if !apex || !querySucceeded(d, o.Domain, "NS") {
			return nil
		}
		return []audit.Finding{defTooFewNS.New(o.Domain, audit.M("dns.ns.none", "domain", canonical(o.Domain)))}
	case 1:
		for n := range names {
			return []audit.Finding{defTooFewNS.New(o.Domain, audit.M("dns.ns.one", "server", evidence.Quote(n)))}
		}
	}
	return nil
}, defTooFewNS)
