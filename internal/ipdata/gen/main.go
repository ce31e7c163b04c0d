// Command gen converts the CSV files of the npm packages
// @ip-location-db/asn and @ip-location-db/geo-whois-asn-country into the
// compact files that package ipdata embeds (asn.bin, country.bin,
// meta.json). tools/ipdata.sh fetches the packages and runs it:
//
//	go run ./internal/ipdata/gen -asn DIR -country DIR -out internal/ipdata
//
// The output depends only on the input files: the same packages give the
// same bytes.
package main

import (
	"flag"
	"fmt"
	"os"

	"vigie.eu/vigie/internal/ipdata"
)

func main() {
	asn := flag.String("asn", "", "the `DIR` of the unpacked @ip-location-db/asn package")
	country := flag.String("country", "", "the `DIR` of the unpacked @ip-location-db/geo-whois-asn-country package")
	out := flag.String("out", ".", "the `DIR` to write asn.bin, country.bin and meta.json to")
	flag.Parse()
	if *asn == "" || *country == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := ipdata.Generate(*asn, *country, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
