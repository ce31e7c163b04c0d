package lab

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"vigie.eu/vigie/internal/ipdata"
	"vigie.eu/vigie/internal/providers"
)

// TestIPData: the files of IPDataDir read as --ip-data, map each hosted
// organisation to its provider's AS, a realistic mix, and the others to
// the self-hosting AS.
func TestIPData(t *testing.T) {
	e := draw(200, 7, netip.MustParseAddr(DefaultBase))
	asn, country := e.ipData()
	dir := t.TempDir()
	for name, data := range map[string][]byte{"asn-ipv4.csv": asn, "country-ipv4.csv": country} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := ipdata.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	us, eu, self := 0, 0, 0
	for _, o := range e.orgs {
		r := d.Lookup(o.Addr)
		if o.Provider < 0 {
			if r.AS.Number != selfHosted.asn || r.Country != "FR" {
				t.Errorf("%s (own address %s): %+v, want AS%d FR", o.Domain, o.Addr, r, selfHosted.asn)
			}
			self++
			continue
		}
		want := hostingASes[o.Provider%len(hostingASes)]
		if r.AS.Number != want.asn || r.Country != want.country {
			t.Errorf("%s (at provider %d, %s): %+v, want %+v", o.Domain, o.Provider, o.Addr, r, want)
		}
		p := tab.ByASN(r.AS.Number)
		if p == nil {
			t.Fatalf("AS%d of the lab is in no provider of the table", r.AS.Number)
		}
		if tab.Extraterritorial(p) {
			us++
		} else {
			eu++
		}
	}
	if us == 0 || eu == 0 || self == 0 {
		t.Errorf("hosted under extra-European law %d, under EU law %d, self-hosted %d: want a mix", us, eu, self)
	}
}
