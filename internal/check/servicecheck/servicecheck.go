// Package servicecheck judges what the services probe saw (vigie audit
// --services): remote desktop, file sharing, Telnet, VNC, databases and
// container APIs open to the internet, services that answer without
// authentication, SMBv1, RDP without network level authentication,
// software past its end of life (see internal/eol) and admin or VPN pages
// on the internet. The standard is ANSSI's guide on connecting an
// information system to the internet and CERT-FR's guidance on
// ransomware, whose first advice is to close these doors.
//
// Every check is pure: it reads audit.Observations.Services and returns
// findings whose subject is the address and port ("192.0.2.1:3389").
// Nothing is reported when the probe did not run.
package servicecheck

import (
	"slices"
	"strconv"
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
	"vigie.eu/vigie/internal/eol"
)

// Checks lists every check of the package, in report order.
var Checks = []audit.Check{Exposed, NoAuth, SMBv1, RDPNLA, EOL, Admin}

// The standards cited.
const (
	stdANSSI   = "ANSSI, Recommandations relatives à l'interconnexion d'un système d'information à Internet (PA-066), R1 et R5 ; ANSSI et CERT-FR, Attaques par rançongiciels, tous concernés (2020)"
	stdRDP     = "CERT-FR, CERTFR-2019-ALE-006 (BlueKeep) ; ANSSI et CERT-FR, Attaques par rançongiciels, tous concernés (2020)"
	stdSMB1    = "CERT-FR, CERTFR-2017-ALE-010 (WannaCry) ; Microsoft, SMBv1 is not installed by default (KB 4034314)"
	stdNoAuth  = "ANSSI, Guide d'hygiène informatique (2017), mesure 28 ; CERT-FR, Attaques par rançongiciels, tous concernés (2020)"
	stdEOL     = "ANSSI, Guide d'hygiène informatique (2017), mesure 34 (obsolescence) ; table de fin de vie de vigie (internal/eol)"
	stdAdminIf = "ANSSI, Recommandations relatives à l'administration sécurisée des SI (PA-022), R1 ; CERT-FR, avis sur les équipements de sécurité exposés"
)

// services returns the probe's observation, or nil when it did not run
// or could not run at all.
func services(o *audit.Observations) *audit.ServicesObservation {
	if o == nil || o.Services == nil || o.Services.Error != "" {
		return nil
	}
	return o.Services
}

// each calls f for every open service seen, by address then port.
func each(o *audit.Observations, f func(a *audit.ServiceAddress, s *audit.Service)) {
	so := services(o)
	if so == nil {
		return
	}
	for _, a := range so.Addresses {
		if a == nil {
			continue
		}
		for _, s := range a.Open {
			if s != nil {
				f(a, s)
			}
		}
	}
}

// endpoint is the subject of a finding: the address and port.
func endpoint(a *audit.ServiceAddress, s *audit.Service) string {
	if strings.Contains(a.Address, ":") { // IPv6, in brackets (RFC 3986 section 3.2.2)
		return "[" + a.Address + "]:" + strconv.Itoa(s.Port)
	}
	return a.Address + ":" + strconv.Itoa(s.Port)
}

// names is the names that led to an address, for the evidence.
func names(a *audit.ServiceAddress) string {
	return evidence.List(slices.Clone(a.Names), ", ")
}

// identity is what was identified on a port, quoted: its product and
// version, else its banner.
func identity(s *audit.Service) string {
	switch {
	case s.Product != "" && s.Version != "":
		return evidence.Quote(s.Product + " " + s.Version)
	case s.Product != "":
		return evidence.Quote(s.Product)
	case s.Banner != "":
		return evidence.Quote(s.Banner)
	}
	return "-"
}

// serviceName is the service seen on a port: what was identified, else
// what the port is known for.
func serviceName(s *audit.Service) string {
	if s.Identified {
		return s.Name
	}
	return s.Expected
}

// openMessage is the evidence of an open port.
func openMessage(a *audit.ServiceAddress, s *audit.Service) audit.Message {
	return audit.M("services.open", "service", serviceName(s), "endpoint", endpoint(a, s), "names", names(a), "identity", identity(s))
}

// contains reports whether the comma-separated list has name.
func contains(list, name string) bool {
	return slices.Contains(strings.Split(list, ","), name)
}

// eolMatch is a product and version of a service past its end of life.
type eolMatch struct {
	entry            *eol.Entry
	product, version string
}

// lookupEOL returns what a service states that is past its end of life:
// its product (an SSH banner, a Server header), the Exchange build of
// its Outlook on the web, the PHP of its X-Powered-By.
func lookupEOL(s *audit.Service) []eolMatch {
	t := eol.Default()
	var out []eolMatch
	add := func(product, version string) {
		if e := t.Lookup(product, version); e != nil {
			out = append(out, eolMatch{e, product, version})
		}
	}
	add(s.Product, s.Version)
	if w := s.Web; w != nil {
		if w.Product != "" && w.OWAVersion != "" {
			add(w.Product, w.OWAVersion)
		}
		// X-Powered-By: PHP/7.4.33
		if p, v, ok := strings.Cut(w.PoweredBy, "/"); ok {
			add(p, v)
		}
	}
	return out
}
