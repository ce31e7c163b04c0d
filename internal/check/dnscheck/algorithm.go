package dnscheck

import (
	"sort"
	"strconv"

	"vigie.eu/vigie/internal/audit"
)

var defWeakAlgorithm = &audit.Definition{
	ID:       "dns.dnssec.weak_algorithm",
	Severity: audit.Medium,
	Title: audit.Text{
		FR: "La zone est signée avec un algorithme DNSSEC déconseillé ou interdit",
		EN: "The zone is signed with a DNSSEC algorithm that is discouraged or forbidden",
	},
	Remediation: audit.Text{
		FR: "Effectuer un changement d'algorithme (« algorithm rollover ») vers l'algorithme 13 (ECDSAP256SHA256) ou 15 (Ed25519) : dans BIND, une « dnssec-policy » avec « keys { ksk lifetime unlimited algorithm ecdsap256sha256; zsk lifetime unlimited algorithm ecdsap256sha256; }; » ; dans Knot DNS, « algorithm: ecdsap256sha256 » dans la « policy » ; puis remplacer le DS chez le bureau d'enregistrement une fois les nouvelles clés publiées.",
		EN: "Perform an algorithm rollover to algorithm 13 (ECDSAP256SHA256) or 15 (Ed25519): in BIND, a \"dnssec-policy\" with \"keys { ksk lifetime unlimited algorithm ecdsap256sha256; zsk lifetime unlimited algorithm ecdsap256sha256; };\"; in Knot DNS, \"algorithm: ecdsap256sha256\" in the \"policy\"; then replace the DS at the registrar once the new keys are published.",
	},
	Standard: "RFC 8624, Section 3.1 (statuses kept by RFC 9904); " + anssiDNS,
}

// signingStatus holds the algorithms that RFC 8624 Section 3.1 does not
// allow for signing: "MUST NOT" or "NOT RECOMMENDED" in its "DNSSEC
// Signing" column. RFC 9904 moved the table to the IANA registry without
// changing these statuses.
var signingStatus = map[uint8]struct{ name, status string }{
	1:  {"RSAMD5", "MUST NOT"},
	3:  {"DSA", "MUST NOT"},
	5:  {"RSASHA1", "NOT RECOMMENDED"},
	6:  {"DSA-NSEC3-SHA1", "MUST NOT"},
	7:  {"RSASHA1-NSEC3-SHA1", "NOT RECOMMENDED"},
	10: {"RSASHA512", "NOT RECOMMENDED"},
	12: {"ECC-GOST", "MUST NOT"},
}

// Algorithm reports the DNSSEC algorithms of the domain's zone that RFC
// 8624 Section 3.1 says must not, or should not, be used for signing. The
// algorithms come from the validation (DNSSEC.Algorithms), the DNSKEY set
// and the DS set.
var Algorithm = audit.CheckFunc("dns.dnssec.algorithm", func(o *audit.Observations) []audit.Finding {
	d := observed(o)
	if d == nil {
		return nil
	}
	seen := map[uint8]bool{}
	if d.DNSSEC != nil {
		for _, a := range d.DNSSEC.Algorithms {
			seen[a] = true
		}
	}
	for _, k := range d.DNSKEY {
		seen[k.Algorithm] = true
	}
	for _, ds := range d.DS {
		seen[ds.Algorithm] = true
	}
	var weak []uint8
	for a := range seen {
		if _, ok := signingStatus[a]; ok {
			weak = append(weak, a)
		}
	}
	if len(weak) == 0 {
		return nil
	}
	sort.Slice(weak, func(i, j int) bool { return weak[i] < weak[j] })
	parts := make([]audit.Message, 0, len(weak))
	for _, a := range weak {
		s := signingStatus[a]
		code := "dns.algorithm.not_recommended"
		if s.status == "MUST NOT" {
			code = "dns.algorithm.must_not"
		}
		parts = append(parts, audit.M(code, "number", strconv.Itoa(int(a)), "name", s.name))
	}
	return []audit.Finding{defWeakAlgorithm.New(o.Domain, audit.M("list").WithItems(parts...))}
}, defWeakAlgorithm)
