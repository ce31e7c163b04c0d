package hosting

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/ipdata"
	"vigie.eu/vigie/internal/providers"
)

func describer(t *testing.T) Describer {
	t.Helper()
	d, err := ipdata.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	tab, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	return Describer{d, tab}
}

// Well-known public addresses, from the embedded data and table, without
// any network.
func TestAddress(t *testing.T) {
	d := describer(t)
	for _, c := range []struct {
		ip, refused string
		want        Address
	}{
		{"8.8.8.8", "", Address{IP: "8.8.8.8", ASN: 15169, ASOrg: "Google LLC", Country: "US",
			Provider: &Provider{ID: "google", Name: "Google (Cloud, Workspace)", Country: "US", ParentCountry: "US",
				Jurisdictions: []string{"US", "EU"}, Extraterritorial: true, Qualifications: []string{"HDS"}, Match: "asn",
				Kinds: []string{"hosting", "mail", "dns", "cdn", "ca"}, Laws: []string{"us-cloud-act", "us-fisa-702", "eu-gdpr"}}}},
		{"51.91.0.1", "", Address{IP: "51.91.0.1", ASN: 16276, ASOrg: "OVH SAS", Country: "FR",
			Provider: &Provider{ID: "ovhcloud", Name: "OVHcloud", Country: "FR", ParentCountry: "FR",
				Jurisdictions: []string{"EU"}, Qualifications: []string{"SecNumCloud", "HDS"}, Match: "asn",
				Kinds: []string{"hosting", "mail", "dns"}, Laws: []string{"eu-gdpr"}}}},
		{"127.0.0.1", "loopback", Address{IP: "127.0.0.1", Refused: "loopback"}},
		{"192.0.2.1", "", Address{IP: "192.0.2.1"}},
	} {
		got := d.Address(netip.MustParseAddr(c.ip), c.refused)
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("Address(%s) (-want +got):\n%s", c.ip, diff)
		}
	}
}

func TestName(t *testing.T) {
	d := describer(t)
	p := d.Name(providers.KindMX, "example-fr.mail.protection.outlook.com")
	if p == nil || p.ID != "microsoft" || !p.Extraterritorial || p.Match != "mx" {
		t.Errorf("Name(mx, ...outlook.com) = %+v", p)
	}
	if p := d.Name(providers.KindNS, "ns1.example.fr"); p != nil {
		t.Errorf("Name(ns, ns1.example.fr) = %+v, want nil", p)
	}
}
