package ipdata

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The data sets the embedded files come from, with their licences.
var (
	asnSource = Source{
		Name:        "@ip-location-db/asn",
		License:     "CC BY 4.0",
		Attribution: "RouteViews, DB-IP (IP to ASN Lite, https://db-ip.com)",
		URL:         "https://db-ip.com",
	}
	countrySource = Source{
		Name:    "@ip-location-db/geo-whois-asn-country",
		License: "CC0 1.0",
		URL:     "https://github.com/sapics/ip-location-db",
	}
)

// Generate converts the unpacked npm packages in asnDir and countryDir
// into asn.bin, country.bin and meta.json in out (the embedded files).
func Generate(asnDir, countryDir, out string) error {
	sa, err := packageSource(asnDir, asnSource)
	if err != nil {
		return err
	}
	sc, err := packageSource(countryDir, countrySource)
	if err != nil {
		return err
	}
	for _, g := range []struct {
		dir, prefix, out string
		kind             Kind
	}{
		{asnDir, "asn", "asn.bin", ASNKind},
		{countryDir, "geo-whois-asn-country", "country.bin", CountryKind},
	} {
		b := newBuilder()
		for _, fam := range []string{"ipv4", "ipv6"} {
			path := filepath.Join(g.dir, g.prefix+"-"+fam+".csv")
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			err = b.readCSV(f, path, g.kind)
			f.Close()
			if err != nil {
				return err
			}
		}
		t := b.table()
		var buf bytes.Buffer
		if err := encode(&buf, &t); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, g.out), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	meta, err := json.MarshalIndent(Meta{ASN: sa, Country: sc}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "meta.json"), append(meta, '\n'), 0o644)
}

// packageSource reads the version of the npm package in dir; the last
// part of the version is the date of the data (YYYYMMDDHH).
func packageSource(dir string, s Source) (Source, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return s, err
	}
	var p struct{ Name, Version string }
	if err := json.Unmarshal(raw, &p); err != nil {
		return s, fmt.Errorf("%s/package.json: %v", dir, err)
	}
	if p.Name != s.Name {
		return s, fmt.Errorf("%s/package.json: package %q, want %q", dir, p.Name, s.Name)
	}
	s.Version = p.Version
	if i := strings.LastIndexByte(p.Version, '.'); i >= 0 && len(p.Version)-i-1 >= 8 {
		d := p.Version[i+1:]
		s.Date = d[:4] + "-" + d[4:6] + "-" + d[6:8]
	}
	return s, nil
}
