package ipdata

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

//go:generate bash ../../tools/ipdata.sh

// The embedded data, written by ./gen (see tools/ipdata.sh).
var (
	//go:embed asn.bin
	asnBin []byte
	//go:embed country.bin
	countryBin []byte
	//go:embed meta.json
	metaJSON []byte
)

// Meta is the description of the embedded data, written by ./gen.
type Meta struct {
	ASN     Source `json:"asn"`
	Country Source `json:"country"`
}

// Embedded returns the data embedded in the binary, decoded once.
var Embedded = sync.OnceValues(func() (*Data, error) {
	var m Meta
	if err := json.Unmarshal(metaJSON, &m); err != nil {
		return nil, fmt.Errorf("ipdata: embedded meta.json: %v", err)
	}
	asn, country, err := decodeBoth(asnBin, countryBin)
	if err != nil {
		return nil, err
	}
	return newData(asn, country, m.ASN, m.Country), nil
})

// decodeBoth decodes the two embedded tables at once: decompression is
// most of the load time.
func decodeBoth(asnBin, countryBin []byte) (asn, country table, err error) {
	var wg sync.WaitGroup
	var cerr error
	wg.Go(func() { country, cerr = decode(countryBin) })
	asn, err = decode(asnBin)
	wg.Wait()
	if err != nil {
		return table{}, table{}, fmt.Errorf("ipdata: embedded asn.bin: %v", err)
	}
	if cerr != nil {
		return table{}, table{}, fmt.Errorf("ipdata: embedded country.bin: %v", cerr)
	}
	return asn, country, nil
}

func newData(asn, country table, sa, sc Source) *Data {
	sa.Ranges4, sa.Ranges6 = len(asn.start4), len(asn.start6)
	sc.Ranges4, sc.Ranges6 = len(country.start4), len(country.start6)
	return &Data{asn: asn, country: country, Sources: []Source{sa, sc}}
}

// Files are the names LoadDir reads, in the upstream formats: each name
// may be missing, but not all of them.
var Files = []struct {
	Name string
	Kind Kind
}{
	{"asn-ipv4.csv", ASNKind},
	{"asn-ipv6.csv", ASNKind},
	{"country-ipv4.csv", CountryKind},
	{"country-ipv6.csv", CountryKind},
	// The upstream names of the country files.
	{"geo-whois-asn-country-ipv4.csv", CountryKind},
	{"geo-whois-asn-country-ipv6.csv", CountryKind},
}

// LoadDir reads the CSV files of dir (Files) in place of the embedded
// data. Ranges may overlap, within a file or across the files of a kind:
// the more specific wins (see builder.table), so an operator adds a
// network of theirs to a copy of the upstream files by appending a line.
// An error names the file, line and column.
func LoadDir(dir string) (*Data, error) {
	asn, country := newBuilder(), newBuilder()
	found := 0
	for _, f := range Files {
		path := filepath.Join(dir, f.Name)
		fh, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("ipdata: %v", err)
		}
		found++
		b := asn
		if f.Kind == CountryKind {
			b = country
		}
		err = b.readCSV(fh, path, f.Kind)
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("ipdata: %v", err)
		}
	}
	if found == 0 {
		return nil, fmt.Errorf("ipdata: %s: none of asn-ipv4.csv, asn-ipv6.csv, country-ipv4.csv, country-ipv6.csv", dir)
	}
	return newData(asn.table(), country.table(), Source{Name: dir}, Source{Name: dir}), nil
}
