package lab

import (
	"fmt"
	"net/netip"
	"strings"
)

// IPDataDir is the directory, in Config.Dir, of the IP data that map the
// lab's loopback addresses to real providers' AS numbers, for --ip-data:
// asn-ipv4.csv (start,end,asn,org) and country-ipv4.csv
// (start,end,country), in the formats of @ip-location-db.
const IPDataDir = "ip-data"

// labAS is an AS a lab address is mapped to.
type labAS struct {
	asn          uint32
	org, country string
}

// selfHosted is the AS of every lab address that no hosting provider
// holds: the organisations' own addresses, at a French operator.
var selfHosted = labAS{3215, "Orange S.A.", "FR"}

// hostingASes are the ASes of the lab's hosting providers, in turn: the
// first provider, where the lab hosts a good organisation, is in France,
// and the mix has providers bound by US law.
var hostingASes = []labAS{
	{16276, "OVH SAS", "FR"},
	{8075, "Microsoft Corporation", "US"},
	{15169, "Google LLC", "US"},
	{12876, "Scaleway SAS", "FR"},
	{16509, "Amazon.com Inc.", "US"},
	{24940, "Hetzner Online GmbH", "DE"},
	{29169, "GANDI SAS", "FR"},
	{50474, "O2SWITCH SARL", "FR"},
	{13335, "Cloudflare Inc.", "US"},
	{8560, "IONOS SE", "DE"},
}

// ipData returns the contents of asn-ipv4.csv and country-ipv4.csv: all of
// 127.0.0.0/8 at selfHosted, and each provider's address at its AS (the
// more specific range wins).
func (e *estate) ipData() (asn, country []byte) {
	var a, c strings.Builder
	line := func(from, to netip.Addr, as labAS) {
		fmt.Fprintf(&a, "%s,%s,%d,%q\n", from, to, as.asn, as.org)
		fmt.Fprintf(&c, "%s,%s,%s\n", from, to, as.country)
	}
	line(netip.MustParseAddr("127.0.0.0"), netip.MustParseAddr("127.255.255.255"), selfHosted)
	for i, p := range e.providers {
		line(p.addr, p.addr, hostingASes[i%len(hostingASes)])
	}
	return []byte(a.String()), []byte(c.String())
}
