// Package dnscheck judges what the DNS probe saw of the audited domain:
// DNSSEC status and algorithms, name servers, CAA and IPv6 reachability.
//
// Every check here is pure: it reads audit.Observations and returns
// findings about the domain (the subject of every finding). When the
// DNS probe did not run, or the domain does not exist, nothing is judged;
// a record set that is empty because its query failed is "could not find
// out", never a finding.
package dnscheck

import (
	"strings"

	"vigie.eu/vigie/internal/audit"
)

// Checks lists every check of the package, in report order.
var Checks = []audit.Check{
	DNSSEC,
	Algorithm,
	NameServers,
	CAA,
	IPv6,
	NotPublic,
}

// anssiDNS is ANSSI's guide on domain names, which covers DNSSEC and
// name server redundancy.
const anssiDNS = "ANSSI, Bonnes pratiques pour l'acquisition et l'exploitation de noms de domaine"

// observed returns the DNS observation when there is something to judge.
func observed(o *audit.Observations) *audit.DNSObservation {
	if o.DNS == nil || !o.DNS.Exists {
		return nil
	}
	return o.DNS
}

// canonical lower-cases a name and drops its final dot.
func canonical(name string) string {
	return strings.TrimSuffix(strings.ToLower(name), ".")
}

// queryFailed reports whether a query of type qtype failed: no answer
// (Error set) or an answer code other than NOERROR and NXDOMAIN. An empty
// name matches every name.
func queryFailed(d *audit.DNSObservation, name, qtype string) bool {
	for _, q := range d.Queries {
		if !matches(q, name, qtype) {
			continue
		}
		if q.Error != "" || (q.Rcode != "" && q.Rcode != "NOERROR" && q.Rcode != "NXDOMAIN") {
			return true
		}
	}
	return false
}

// querySucceeded reports whether a query of type qtype got an answer
// (NOERROR or NXDOMAIN, possibly empty). An empty name matches every name.
func querySucceeded(d *audit.DNSObservation, name, qtype string) bool {
	for _, q := range d.Queries {
		if matches(q, name, qtype) && q.Error == "" && (q.Rcode == "" || q.Rcode == "NOERROR" || q.Rcode == "NXDOMAIN") {
			return true
		}
	}
	return false
}

func matches(q audit.DNSQuery, name, qtype string) bool {
	return strings.EqualFold(q.Type, qtype) && (name == "" || canonical(q.Name) == canonical(name))
}
