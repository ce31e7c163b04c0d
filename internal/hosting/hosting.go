// Package hosting joins what the IP data (package ipdata) and the
// providers table (package providers) say of the hosts a body uses: for
// an address, its AS, AS organisation, country, provider and the
// jurisdictions that bind the provider; for a host name (an MX, a name
// server, a CNAME target), the provider its name belongs to. It does no
// I/O: the caller resolves the names.
package hosting

import (
	"net/netip"

	"vigie.eu/vigie/internal/ipdata"
	"vigie.eu/vigie/internal/providers"
)

// Address is what is known of one address. The JSON field names are
// published data: append only.
type Address struct {
	IP string `json:"ip"`
	// ASN and ASOrg are the autonomous system announcing the address
	// and its holder, 0 and "" when the data do not know it.
	ASN   uint32 `json:"asn,omitempty"`
	ASOrg string `json:"as_org,omitempty"`
	// Country is where the address is registered (ISO 3166-1).
	Country string `json:"country,omitempty"`
	// Provider is the provider holding the AS, nil when the table has
	// none.
	Provider *Provider `json:"provider,omitempty"`
	// Refused is the guard's reason for an address outside the public
	// internet ("loopback", "private"): such an address is not looked
	// up.
	Refused string `json:"refused,omitempty"`
}

// Provider is an entry of the providers table, as an observation keeps it.
type Provider struct {
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
}

// Describer answers with one data set and one table.
type Describer struct {
	Data  *ipdata.Data
	Table *providers.Table
}

func (d Describer) provider(p *providers.Provider, match string) *Provider {
	if p == nil {
		return nil
	}
	return &Provider{
		ID: p.ID, Name: p.Name, Country: p.Country, ParentCountry: p.ParentCountry,
		Jurisdictions:    d.Table.Jurisdictions(p),
		Extraterritorial: d.Table.Extraterritorial(p),
		Qualifications:   p.Qualifications,
		Match:            match,
	}
}

// Address describes a; refused is the guard's reason when a is outside
// the public internet and not allowed ("" otherwise).
func (d Describer) Address(a netip.Addr, refused string) Address {
	out := Address{IP: a.String(), Refused: refused}
	if refused != "" {
		return out
	}
	r := d.Data.Lookup(a)
	out.ASN, out.ASOrg, out.Country = r.AS.Number, r.AS.Org, r.Country
	if r.AS.Number != 0 {
		out.Provider = d.provider(d.Table.ByASN(r.AS.Number), "asn")
	}
	return out
}

// Name returns the provider a name of kind (providers.KindMX...) belongs
// to, or nil.
func (d Describer) Name(kind, name string) *Provider {
	return d.provider(d.Table.ByName(kind, name), kind)
}
