package dnscheck

import (
	"sort"
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

var defIPv6Web = &audit.Definition{
	ID:       "dns.ipv6.web_missing",
	Severity: audit.Low,
	Title: audit.Text{
		FR: "Le site n'est pas joignable en IPv6",
		EN: "The web site is not reachable over IPv6",
	},
	Remediation: audit.Text{
		FR: "Demander une adresse IPv6 à l'hébergeur, configurer le serveur web pour l'écouter (nginx « listen [::]:443 ssl; », Apache « Listen [::]:443 ») et publier un enregistrement AAAA pour le domaine et pour « www ».",
		EN: "Get an IPv6 address from the host, make the web server listen on it (nginx \"listen [::]:443 ssl;\", Apache \"Listen [::]:443\") and publish an AAAA record for the domain and for \"www\".",
	},
	Standard: "RFC 6540 (BCP 177)",
}

var defIPv6NS = &audit.Definition{
	ID:       "dns.ipv6.ns_missing",
	Severity: audit.Low,
	Title: audit.Text{
		FR: "Aucun serveur de noms du domaine n'est joignable en IPv6",
		EN: "No name server of the domain is reachable over IPv6",
	},
	Remediation: audit.Text{
		FR: "Donner une adresse IPv6 (enregistrement AAAA, et colle IPv6 chez le bureau d'enregistrement pour les serveurs internes à la zone) à au moins deux serveurs de noms, ou choisir un hébergeur DNS qui en fournit.",
		EN: "Give an IPv6 address (AAAA record, and IPv6 glue at the registrar for in-zone servers) to at least two name servers, or choose a DNS host that provides them.",
	},
	Standard: "RFC 6540 (BCP 177); RFC 3901 (BCP 91)",
}

// IPv6 reports a web site that has IPv4 addresses but no IPv6 address,
// neither on the domain nor on www, and a zone whose name servers all lack
// an IPv6 address. A failed lookup is "could not find out".
var IPv6 = audit.CheckFunc("dns.ipv6", func(o *audit.Observations) []audit.Finding {
	d := observed(o)
	if d == nil {
		return nil
	}
	var out []audit.Finding
	if ev, ok := webIPv4Only(d, o.Domain); ok {
		out = append(out, defIPv6Web.New(o.Domain, ev))
	}
	if ev, ok := nameServersIPv4Only(d); ok {
		out = append(out, defIPv6NS.New(o.Domain, ev))
	}
	return out
}, defIPv6Web, defIPv6NS)

func webIPv4Only(d *audit.DNSObservation, domain string) (audit.Message, bool) {
	www := d.WWW
	if www == nil {
		www = &audit.HostAddresses{}
	}
	hasV4 := len(d.A) > 0 || len(www.IPv4) > 0
	hasV6 := len(d.AAAA) > 0 || len(www.IPv6) > 0
	if !hasV4 || hasV6 {
		return audit.Message{}, false
	}
	if queryFailed(d, domain, "AAAA") {
		return audit.Message{}, false
	}
	// www answered only in part (its IPv4 came, its IPv6 lookup failed).
	if www.Error != "" && len(www.IPv4) > 0 {
		return audit.Message{}, false
	}
	if www.Name != "" && queryFailed(d, www.Name, "AAAA") {
		return audit.Message{}, false
	}
	var v4 []string
	v4 = append(v4, d.A...)
	for _, a := range www.IPv4 {
		if !containsString(v4, a) {
			v4 = append(v4, a)
		}
	}
	wwwName := www.Name
	if wwwName == "" {
		wwwName = "www." + canonical(domain)
	}
	return audit.M("dns.ipv6.web_missing", "domain", canonical(domain), "www", canonical(wwwName), "ipv4", strings.Join(v4, ", ")), true
}

// nameServersIPv4Only reports when every name server was resolved without
// error and none has an IPv6 address.
func nameServersIPv4Only(d *audit.DNSObservation) (audit.Message, bool) {
	if len(d.NS) == 0 {
		return audit.Message{}, false
	}
	var names []string
	for _, ns := range d.NS {
		if len(ns.IPv6) > 0 || ns.Error != "" {
			return audit.Message{}, false
		}
		names = append(names, canonical(ns.Name))
	}
	sort.Strings(names)
	return audit.M("dns.ipv6.ns_missing", "servers", evidence.List(evidence.QuoteAll(names), ", ")), true
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
