package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"vigie.eu/vigie/internal/ipdata"
)

// dataAbout is the help of "vigie data" before its options.
var dataAbout = text{`Dit quelles données d'adresses IP vigie utilise : d'une adresse au
système autonome (AS) et à son organisation, d'une adresse à son pays ;
leur version, leur date, leur licence et à qui les créditer. Par défaut,
les données intégrées au binaire (@ip-location-db/asn : RouteViews et
DB-IP, CC BY 4.0, https://db-ip.com ; @ip-location-db/geo-whois-asn-country,
CC0) ; avec --ip-data DOSSIER, les fichiers CSV de ce dossier
(asn-ipv4.csv, asn-ipv6.csv : début,fin,asn,organisation ;
country-ipv4.csv, country-ipv6.csv : début,fin,pays), qui les remplacent.
`, `Says which IP address data vigie uses: from an address to its autonomous
system (AS) and the AS's organisation, from an address to its country;
their version, date, licence and whom to credit. By default, the data
embedded in the binary (@ip-location-db/asn: RouteViews and DB-IP,
CC BY 4.0, https://db-ip.com; @ip-location-db/geo-whois-asn-country, CC0);
with --ip-data DIR, the CSV files of that directory (asn-ipv4.csv,
asn-ipv6.csv: start,end,asn,org; country-ipv4.csv, country-ipv6.csv:
start,end,country), which replace them.
`}

// ipDataUsage is the usage of --ip-data, for every command that takes it.
var ipDataUsage = bi("un `DOSSIER` de fichiers CSV (asn-ipv4.csv, asn-ipv6.csv, country-ipv4.csv, country-ipv6.csv) à la place des données IP intégrées",
	"a `DIR` of CSV files (asn-ipv4.csv, asn-ipv6.csv, country-ipv4.csv, country-ipv6.csv) in place of the embedded IP data")

// loadIPData returns the data of dir, or the embedded data when dir is "".
func loadIPData(dir string) (*ipdata.Data, error) {
	if dir == "" {
		return ipdata.Embedded()
	}
	return ipdata.LoadDir(dir)
}

func runData(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("data", flag.ContinueOnError)
	var asJSON bool
	var dir, lang string
	fs.BoolVar(&asJSON, "json", false, bi("un objet JSON (champ sources : name, version, date, license, attribution, url, ranges_ipv4, ranges_ipv6)", "a JSON object (field sources: name, version, date, license, attribution, url, ranges_ipv4, ranges_ipv6)"))
	fs.StringVar(&dir, "ip-data", "", ipDataUsage)
	fs.StringVar(&lang, "lang", "fr", langUsage)
	fs.SetOutput(io.Discard)
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		return e.usage(fs)
	case err != nil:
		e.errorf("data: %v", err)
		return exitUsage
	case fs.NArg() > 0:
		e.errorf(e.t(text{"« data » ne prend pas d'argument", "\"data\" takes no argument"}))
		return exitUsage
	}
	d, err := loadIPData(dir)
	if err != nil {
		e.errorf(e.t(text{"données IP illisibles, rien n'est affiché : %v", "unreadable IP data, nothing shown: %v"}), err)
		return exitUsage
	}
	if asJSON {
		b, err := json.Marshal(struct {
			Sources []ipdata.Source `json:"sources"`
		}{d.Sources})
		if err != nil {
			e.errorf("data: %v", err)
			return exitFailed
		}
		fmt.Fprintf(e.stdout, "%s\n", b)
		return exitOK
	}
	what := []text{{"adresse → AS et organisation", "address → AS and organisation"}, {"adresse → pays", "address → country"}}
	for i, s := range d.Sources {
		fmt.Fprintf(e.stdout, e.t(text{"%s : %s", "%s: %s"}), e.t(what[i]), s.Name)
		if s.Version != "" {
			fmt.Fprintf(e.stdout, " %s", s.Version)
		}
		if s.Date != "" {
			fmt.Fprintf(e.stdout, e.t(text{" (données du %s)", " (data of %s)"}), s.Date)
		}
		fmt.Fprintln(e.stdout)
		fmt.Fprintf(e.stdout, e.t(text{"  %d plages IPv4, %d plages IPv6\n", "  %d IPv4 ranges, %d IPv6 ranges\n"}), s.Ranges4, s.Ranges6)
		if s.License != "" {
			fmt.Fprintf(e.stdout, e.t(text{"  licence %s", "  license %s"}), s.License)
			if s.Attribution != "" {
				fmt.Fprintf(e.stdout, e.t(text{" ; à créditer : %s", "; credit: %s"}), s.Attribution)
			}
			fmt.Fprintln(e.stdout)
		}
	}
	return exitOK
}
