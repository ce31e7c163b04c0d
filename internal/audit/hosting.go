package audit

// HostingObservation says who hosts what the audit met: for each name
// (the domain and www, each mail host, each name server, the issuer of
// the site's certificate, the other sites the home page loads from) the
// provider its name belongs to and, for each of its addresses, the AS
// announcing it, the country it is registered in, the provider holding
// the AS and the laws that bind that provider.
//
// It is filled by the engine from what the other probes already resolved,
// by offline lookups in the IP data and the providers table (see
// internal/hosting): it costs no traffic. The JSON field names are
// published data: append only.
type HostingObservation struct {
	// Sources are the IP data the addresses were looked up in (the AS
	// data, then the country data), with the credit their licence
	// requires.
	Sources []HostingSource `json:"sources"`
	// Providers is the version of the providers table ("2026.1").
	Providers string `json:"providers"`
	// Hosts has one entry per name, in the order of the roles above.
	Hosts []HostedName `json:"hosts"`
}

// HostingSource is one data set of IP data.
type HostingSource struct {
	Name        string `json:"name"`
	Version     string `json:"version,omitempty"`
	Date        string `json:"date,omitempty"`
	License     string `json:"license,omitempty"`
	Attribution string `json:"attribution,omitempty"`
	URL         string `json:"url,omitempty"`
}

// The roles of a HostedName.
const (
	// RoleWeb is the domain or www.domain.
	RoleWeb = "web"
	// RoleMail is a mail exchanger (MX host).
	RoleMail = "mail"
	// RoleDNS is a name server of the domain.
	RoleDNS = "dns"
	// RoleCA is the certificate authority that issued the site's
	// certificate: Name is the issuer's organisation (O=).
	RoleCA = "ca"
	// RoleThirdParty is a host of another site that the home page
	// loads scripts, styles, frames or images from (from the HTML
	// already fetched); its addresses are not resolved.
	RoleThirdParty = "third_party"
)

// HostedName is one name the audit met and who hosts it.
type HostedName struct {
	// Role is RoleWeb, RoleMail...
	Role string `json:"role"`
	// Name is the host name, or the issuer's organisation for RoleCA.
	Name string `json:"name"`
	// CNAME is the end of the name's alias chain, when it is an alias.
	CNAME string `json:"cname,omitempty"`
	// NameProvider is the provider the name (an MX, a name server, an
	// issuer) or its CNAME target belongs to, by the table's patterns;
	// nil when no pattern matches.
	NameProvider *HostingProvider `json:"name_provider,omitempty"`
	// Addresses are what the IP data say of each address of the name.
	Addresses []HostingAddress `json:"addresses,omitempty"`
}

// HostingAddress is what is known of one address.
type HostingAddress struct {
	IP string `json:"ip"`
	// ASN and ASOrg are the autonomous system announcing the address
	// and its holder, 0 and "" when the data do not know it.
	ASN   uint32 `json:"asn,omitempty"`
	ASOrg string `json:"as_org,omitempty"`
	// Country is where the address is registered (ISO 3166-1).
	Country string `json:"country,omitempty"`
	// Provider is the provider holding the AS, nil when the table has
	// none.
	Provider *HostingProvider `json:"provider,omitempty"`
	// Refused is the guard's reason for an address outside the public
	// internet ("loopback", "private"): such an address is not looked
	// up.
	Refused string `json:"refused,omitempty"`
}

// HostingProvider is an entry of the providers table, as an observation
// keeps it.
type HostingProvider struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Country       string `json:"country"`
	ParentCountry string `json:"parent_country"`
	// Jurisdictions are those of the laws that bind it ("US", "EU").
	Jurisdictions []string `json:"jurisdictions"`
	// Extraterritorial is set when a law of a foreign state reaches the
	// data wherever they are stored (the US CLOUD Act and FISA).
	Extraterritorial bool     `json:"extraterritorial,omitempty"`
	Qualifications   []string `json:"qualifications,omitempty"`
	// Match says how it was found: "asn", or the kind of the name
	// pattern ("mx", "ns", "cname", "issuer").
	Match string `json:"match"`
	// Kinds are what the provider sells (hosting, mail, dns, cdn, ca).
	Kinds []string `json:"kinds,omitempty"`
	// Laws are the ids of the laws that bind it, as the table names
	// them ("us-cloud-act").
	Laws []string `json:"laws,omitempty"`
}

// Provider returns who hosts h: the provider of its name when a pattern
// matched, else that of its first address whose AS the table knows; nil
// when neither is known.
func (h *HostedName) Provider() *HostingProvider {
	if h == nil {
		return nil
	}
	if h.NameProvider != nil {
		return h.NameProvider
	}
	for i := range h.Addresses {
		if p := h.Addresses[i].Provider; p != nil {
			return p
		}
	}
	return nil
}

// ProvidersOf returns the providers of the names of role (see
// HostedName.Provider), each once, in the order met; nil when h is nil
// or none is known.
func (h *HostingObservation) ProvidersOf(role string) []*HostingProvider {
	if h == nil {
		return nil
	}
	var out []*HostingProvider
	for i := range h.Hosts {
		n := &h.Hosts[i]
		if n.Role != role {
			continue
		}
		p := n.Provider()
		if p == nil {
			continue
		}
		dup := false
		for _, q := range out {
			dup = dup || q.ID == p.ID
		}
		if !dup {
			out = append(out, p)
		}
	}
	return out
}

// Extraterritorial reports whether one of ps is bound by a law that
// reaches data wherever they are stored.
func Extraterritorial(ps []*HostingProvider) bool {
	for _, p := range ps {
		if p.Extraterritorial {
			return true
		}
	}
	return false
}
