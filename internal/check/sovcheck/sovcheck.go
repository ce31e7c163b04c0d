// Package sovcheck judges who hosts an organisation's web site, mail and
// DNS, serves its pages (CDN), issues its certificate and receives its
// visitors' requests (third parties), from the hosting observation (see
// audit.HostingObservation): a finding for each of them at a provider
// bound by an extra-European law that reaches data wherever they are
// stored (the US CLOUD Act and FISA Section 702, China's National
// Intelligence Law). The standard is the State's "Cloud au centre"
// doctrine (circulaire 6282-SG of 5 July 2021, updated in 2023), which
// asks for sensitive data to be hosted out of reach of such laws, and for
// health data the HDS certification (Code de la santé publique, L.1111-8).
//
// A finding's severity is its definition's for a commune or an unknown
// category, one step higher for a hospital, a ministry or another body
// holding sensitive data, one step lower for an association
// (Observations.Category). The findings are scored by the Sovereignty
// indicator of the rules table, never by the CyberScore.
//
// Every check is pure: it reads audit.Observations.Hosting only.
package sovcheck

import (
	"slices"
	"strconv"
	"strings"
	"unicode"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

// Checks lists every check of the package, in report order.
var Checks = []audit.Check{Web, CDN, Mail, DNS, CA, ThirdParty}

// standard is the doctrine and the laws cited by every finding.
const standard = "Doctrine « Cloud au centre » (circulaire n° 6282-SG du 5 juillet 2021, mise à jour en 2023) ; US CLOUD Act (2018) et FISA, section 702 ; HDS pour les données de santé (Code de la santé publique, art. L.1111-8)"

// weighed is a check whose findings' severity depends on the category of
// the organisation.
type weighed struct{ audit.Check }

// WeighsSeverity tells the test harness (checktest) that the findings
// may rank above or below their definition's severity.
func (weighed) WeighsSeverity() bool { return true }

// Weight returns how many steps the category raises (+1) or lowers (-1)
// a sovereignty finding: +1 for hospitals, health bodies, ministries and
// the State's services, regions and départements (which hold social and
// health data); -1 for associations; 0 for communes and unknown
// categories.
func Weight(category string) int {
	c := fold(category)
	for _, k := range []string{"hopital", "sante", "chu", "ministere", "prefecture", "etat", "region", "departement", "operateur d'importance vitale"} {
		if strings.Contains(c, k) {
			return 1
		}
	}
	if strings.Contains(c, "association") {
		return -1
	}
	return 0
}

// fold lowers s and drops French accents, to compare categories as the
// targets files write them ("Hôpital", "hopital").
func fold(s string) string {
	r := strings.NewReplacer("é", "e", "è", "e", "ê", "e", "ô", "o", "â", "a", "î", "i", "û", "u", "ç", "c")
	return r.Replace(strings.ToLower(s))
}

// health reports whether the category is a health body, for which HDS
// applies.
func health(category string) bool {
	c := fold(category)
	return strings.Contains(c, "hopital") || strings.Contains(c, "sante") || strings.Contains(c, "chu")
}

func weigh(f audit.Finding, category string) audit.Finding {
	s := int(f.Severity) + Weight(category)
	f.Severity = audit.Severity(min(max(s, int(audit.Info)), int(audit.Critical)))
	return f
}

// hosts returns the hosted names of role, nil when the observation is
// missing.
func hosts(o *audit.Observations, role string) []*audit.HostedName {
	if o == nil || o.Hosting == nil {
		return nil
	}
	var out []*audit.HostedName
	for i := range o.Hosting.Hosts {
		if h := &o.Hosting.Hosts[i]; h.Role == role {
			out = append(out, h)
		}
	}
	return out
}

// isCDN reports whether p is first of all a content delivery network.
func isCDN(p *audit.HostingProvider) bool {
	return p != nil && len(p.Kinds) > 0 && p.Kinds[0] == "cdn"
}

// lawNames are the laws that reach data abroad, by the table's id, as
// evidence names them (language-neutral names of laws).
var lawNames = map[string]string{
	"us-cloud-act": "CLOUD Act",
	"us-fisa-702":  "FISA 702",
	"cn-nil":       "National Intelligence Law (CN)",
}

// laws names the extraterritorial laws binding p.
func laws(p *audit.HostingProvider) string {
	var out []string
	for _, id := range p.Laws {
		if n, ok := lawNames[id]; ok && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return strings.Join(p.Jurisdictions, "+")
	}
	return strings.Join(out, ", ")
}

// clean bounds and quotes a value that came from the data or a remote
// server when it holds anything but letters, digits and simple marks.
func clean(s string) string {
	if len(s) > 80 {
		s = s[:80]
	}
	if strings.IndexFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(" .-_,'()&", r))
	}) >= 0 {
		return evidence.Quote(s)
	}
	return s
}

// where says where the addresses of h are: AS and country of each,
// "-" when none was looked up.
func where(h *audit.HostedName) string {
	var out []string
	for _, a := range h.Addresses {
		if a.Refused != "" {
			continue
		}
		s := a.IP
		if a.ASN != 0 {
			s += " AS" + strconv.FormatUint(uint64(a.ASN), 10)
		}
		if a.Country != "" {
			s += " " + a.Country
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return "-"
	}
	return evidence.List(out, ", ")
}

// message is the evidence of a host at an extraterritorial provider.
func message(h *audit.HostedName, p *audit.HostingProvider, category string) audit.Message {
	cat := category
	if cat == "" {
		cat = "-"
	}
	return audit.M("sovereignty.hosted."+h.Role, "host", clean(h.Name), "provider", clean(p.Name),
		"country", p.Country, "laws", laws(p), "addresses", where(h), "category", clean(cat))
}

// extraterritorial returns the findings of def for the hosts of role
// whose provider is extraterritorial and passes keep.
func extraterritorial(def *audit.Definition, role string, keep func(*audit.HostingProvider) bool) func(o *audit.Observations) []audit.Finding {
	return func(o *audit.Observations) []audit.Finding {
		var out []audit.Finding
		for _, h := range hosts(o, role) {
			p := h.Provider()
			if p == nil || !p.Extraterritorial || !keep(p) {
				continue
			}
			out = append(out, weigh(def.New(h.Name, message(h, p, o.Category)), o.Category))
		}
		return out
	}
}

func check(id string, def *audit.Definition, role string, keep func(*audit.HostingProvider) bool) audit.Check {
	return weighed{audit.CheckFunc(id, extraterritorial(def, role, keep), def)}
}

func all(*audit.HostingProvider) bool { return true }
