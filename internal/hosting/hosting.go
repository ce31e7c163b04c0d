// Package hosting joins what the IP data (package ipdata) and the
// providers table (package providers) say of the hosts a body uses: for
// an address, its AS, AS organisation, country, provider and the
// jurisdictions that bind the provider; for a host name (an MX, a name
// server, a CNAME target), the provider its name belongs to. It does no
// I/O: the caller resolves the names.
package hosting

import (
	"net/netip"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/ipdata"
	"vigie.eu/vigie/internal/providers"
)

// Address is what is known of one address (see audit.HostingAddress).
type Address = audit.HostingAddress

// Provider is an entry of the providers table, as an observation keeps it
// (see audit.HostingProvider).
type Provider = audit.HostingProvider

// Describer answers with one data set and one table.
type Describer struct {
	Data  *ipdata.Data
	Table *providers.Table
}

// Load returns the describer of the IP data in dir (the embedded data
// when dir is "") and of vigie's providers table.
func Load(dir string) (*Describer, error) {
	data, err := ipdata.Embedded()
	if dir != "" {
		data, err = ipdata.LoadDir(dir)
	}
	if err != nil {
		return nil, err
	}
	table, err := providers.Load()
	if err != nil {
		return nil, err
	}
	return &Describer{Data: data, Table: table}, nil
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
		Kinds:            p.Kinds,
		Laws:             p.Laws,
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
