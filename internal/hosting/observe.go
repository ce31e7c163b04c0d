package hosting

import (
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/providers"
)

// Bounds on what one observation keeps.
const (
	maxMXHosts     = 10
	maxNameServers = 16
	maxAddresses   = 16 // per name
	maxThirdParty  = 30
	maxNameLen     = 253
)

// Observe describes who hosts the names of o that the other probes
// already resolved: the domain and www (with their CNAME targets), each
// MX host, each name server, the organisation that issued the site's
// certificate, and the hosts of other sites that the home pages load
// from. refused returns the guard's reason for an address outside the
// public internet ("" for one it allows; nil allows every address). It
// does no I/O and reads only o.
func (d Describer) Observe(o *audit.Observations, refused func(netip.Addr) string) *audit.HostingObservation {
	if o == nil {
		return nil
	}
	h := &audit.HostingObservation{Hosts: []audit.HostedName{}}
	if d.Table != nil {
		h.Providers = d.Table.Version
	}
	if d.Data != nil {
		for _, s := range d.Data.Sources {
			h.Sources = append(h.Sources, audit.HostingSource{Name: s.Name, Version: s.Version, Date: s.Date,
				License: s.License, Attribution: s.Attribution, URL: s.URL})
		}
	}
	addrs := func(lists ...[]string) []audit.HostingAddress {
		var out []audit.HostingAddress
		var seen []netip.Addr
		for _, l := range lists {
			for _, s := range l {
				a, err := netip.ParseAddr(s)
				if err != nil || slices.Contains(seen, a) || len(out) == maxAddresses {
					continue
				}
				seen = append(seen, a)
				why := ""
				if refused != nil {
					why = refused(a)
				}
				out = append(out, d.Address(a, why))
			}
		}
		return out
	}
	// name returns the provider of name by patterns of kind, else of
	// its CNAME target by those of kinds "cname".
	name := func(kind, n, cname string) *audit.HostingProvider {
		if d.Table == nil {
			return nil
		}
		if kind != "" {
			if p := d.Name(kind, n); p != nil {
				return p
			}
		}
		if cname != "" {
			return d.Name(providers.KindCNAME, cname)
		}
		return nil
	}

	if dn := o.DNS; dn != nil {
		if len(dn.A)+len(dn.AAAA) > 0 {
			h.Hosts = append(h.Hosts, audit.HostedName{Role: audit.RoleWeb, Name: o.Domain, CNAME: dn.CNAME,
				NameProvider: name("", o.Domain, dn.CNAME), Addresses: addrs(dn.A, dn.AAAA)})
		}
		if w := dn.WWW; w != nil && len(w.IPv4)+len(w.IPv6) > 0 {
			h.Hosts = append(h.Hosts, audit.HostedName{Role: audit.RoleWeb, Name: w.Name, CNAME: w.CNAME,
				NameProvider: name("", w.Name, w.CNAME), Addresses: addrs(w.IPv4, w.IPv6)})
		}
	}
	if m := o.Mail; m != nil && m.MX != nil {
		n := 0
		for _, mx := range m.MX.Hosts {
			if mx == nil || mx.Name == "" || mx.Name == "." || mx.AddressLiteral || n == maxMXHosts {
				continue
			}
			n++
			h.Hosts = append(h.Hosts, audit.HostedName{Role: audit.RoleMail, Name: mx.Name, CNAME: mx.CNAME,
				NameProvider: name(providers.KindMX, mx.Name, mx.CNAME), Addresses: addrs(mx.IPv4, mx.IPv6)})
		}
	}
	if dn := o.DNS; dn != nil {
		for i, ns := range dn.NS {
			if i == maxNameServers {
				break
			}
			h.Hosts = append(h.Hosts, audit.HostedName{Role: audit.RoleDNS, Name: ns.Name,
				NameProvider: name(providers.KindNS, ns.Name, ""), Addresses: addrs(ns.IPv4, ns.IPv6)})
		}
	}
	var issuers []string
	for _, t := range o.TLS {
		if t == nil || len(t.Certificates) == 0 {
			continue
		}
		if org := IssuerOrganisation(t.Certificates[0].Issuer); org != "" && !slices.Contains(issuers, org) {
			issuers = append(issuers, org)
			h.Hosts = append(h.Hosts, audit.HostedName{Role: audit.RoleCA, Name: org, NameProvider: name(providers.KindIssuer, org, "")})
		}
	}
	for _, host := range ThirdPartyHosts(o) {
		h.Hosts = append(h.Hosts, audit.HostedName{Role: audit.RoleThirdParty, Name: host,
			NameProvider: name(providers.KindHost, host, host)})
	}
	return h
}

// IssuerOrganisation returns the organisation (O=) of a distinguished
// name as crypto/x509's pkix.Name.String writes it ("CN=R3,O=Let's
// Encrypt,C=US"), or "" when it has none. Commas escaped with a
// backslash stay in the value.
func IssuerOrganisation(dn string) string {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(dn); i++ {
		switch c := dn[i]; {
		case c == '\\' && i+1 < len(dn):
			i++
			cur.WriteByte(dn[i])
		case c == ',' || c == '+':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	parts = append(parts, cur.String())
	for _, p := range parts {
		if v, ok := strings.CutPrefix(strings.TrimSpace(p), "O="); ok {
			v = strings.TrimSpace(v)
			if len(v) > 128 {
				v = v[:128]
			}
			return strings.ToValidUTF8(v, "")
		}
	}
	return ""
}

// loaders are the elements whose attribute makes the browser load
// something at once, and that attribute.
var loaders = map[string]string{"script": "src", "img": "src", "iframe": "src", "link": "href",
	"audio": "src", "video": "src", "source": "src", "embed": "src", "object": "data"}

// ThirdPartyHosts returns the hosts, sorted and each once, that the final
// HTML pages of o load scripts, styles, frames or media from and that are
// neither the page's host nor the audited domain or one of its
// subdomains: other sites, whose owner sees every visit. At most
// maxThirdParty are returned.
func ThirdPartyHosts(o *audit.Observations) []string {
	domain := strings.ToLower(strings.TrimSuffix(o.Domain, "."))
	var out []string
	for _, h := range o.HTTP {
		r := h.Answer()
		if r == nil || !html(r) {
			continue
		}
		base, err := url.Parse(r.URL)
		if err != nil {
			continue
		}
		page := strings.ToLower(base.Hostname())
		for _, el := range h.Elements() {
			attr, ok := loaders[el.Tag]
			v, has := el.Attrs[attr]
			if !ok || !has {
				continue
			}
			if el.Tag == "link" && !loadsAtOnce(el.Attrs["rel"]) {
				continue
			}
			u, err := base.Parse(strings.TrimSpace(v))
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
				continue
			}
			host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
			if host == "" || len(host) > maxNameLen || host == page || host == domain || strings.HasSuffix(host, "."+domain) {
				continue
			}
			if _, err := netip.ParseAddr(host); err != nil && !validHost(host) {
				continue
			}
			if !slices.Contains(out, host) {
				out = append(out, host)
			}
		}
	}
	slices.Sort(out)
	if len(out) > maxThirdParty {
		out = out[:maxThirdParty]
	}
	return out
}

// loadsAtOnce reports whether a <link> of this rel fetches its target
// with the page (a style sheet, an icon, a preload).
func loadsAtOnce(rel string) bool {
	for _, r := range strings.Fields(strings.ToLower(rel)) {
		switch r {
		case "stylesheet", "icon", "preload", "modulepreload", "preconnect", "apple-touch-icon", "manifest":
			return true
		}
	}
	return false
}

// validHost reports whether s is made of host-name characters only, so
// that what a hostile page writes stays a name.
func validHost(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// html reports whether the response is an HTML page.
func html(r *audit.HTTPResponse) bool {
	for _, v := range r.Header("Content-Type") {
		if strings.Contains(strings.ToLower(v), "html") {
			return true
		}
	}
	return false
}
