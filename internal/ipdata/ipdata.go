// Package ipdata answers, offline, which autonomous system announces an IP
// address, the organisation that holds that system, and the country the
// address is registered in.
//
// The data are ranges of addresses, as the upstream files give them
// (start,end,asn,org and start,end,country, for IPv4 and IPv6): the
// @ip-location-db/asn package (RouteViews and DB-IP, CC BY 4.0) and the
// @ip-location-db/geo-whois-asn-country package (CC0). The conversion step
// in ./gen turns them into the compact files embedded here; LoadDir reads
// files of the same CSV formats instead (an operator's own networks, the
// lab's loopback blocks).
//
// A table is a sorted array of disjoint ranges: a lookup is a binary
// search. The package does no I/O but reading the files it is given; it
// never resolves a name and never judges what it finds.
package ipdata

import (
	"net/netip"
	"slices"
)

// AS is what the data say of the autonomous system announcing an address.
type AS struct {
	// Number is the AS number (0: none known).
	Number uint32 `json:"number"`
	// Org is the organisation holding the AS, as the data spell it.
	Org string `json:"org,omitempty"`
}

// Result is what the data say of one address; a zero field is unknown.
type Result struct {
	AS AS `json:"as"`
	// Country is the ISO 3166-1 alpha-2 code of the country the address
	// is registered in (upper case), "" when unknown.
	Country string `json:"country,omitempty"`
}

// Source describes one data set in use, for `vigie data` and the
// attribution that reports, pages and exports carry.
type Source struct {
	// Name is the data set ("@ip-location-db/asn", or a directory).
	Name string `json:"name"`
	// Version is the upstream version ("2.3.2026061719"), "" for files.
	Version string `json:"version,omitempty"`
	// Date is the date of the data (YYYY-MM-DD), "" when unknown.
	Date string `json:"date,omitempty"`
	// License is the data's licence ("CC BY 4.0", "CC0 1.0").
	License string `json:"license,omitempty"`
	// Attribution is the credit the licence requires, "" for none.
	Attribution string `json:"attribution,omitempty"`
	// URL links to the data's authors.
	URL string `json:"url,omitempty"`
	// Ranges4 and Ranges6 count the ranges loaded.
	Ranges4 int `json:"ranges_ipv4,omitempty"`
	Ranges6 int `json:"ranges_ipv6,omitempty"`
}

// Data holds the two tables: addresses to AS, addresses to country.
type Data struct {
	asn     table
	country table
	// Sources describes the AS data then the country data.
	Sources []Source
}

// Lookup returns what the data say of a.
func (d *Data) Lookup(a netip.Addr) Result {
	var r Result
	if d == nil || !a.IsValid() {
		return r
	}
	if v, ok := d.asn.find(a); ok {
		r.AS = AS{Number: v.num, Org: v.text}
	}
	if v, ok := d.country.find(a); ok {
		r.Country = v.text
	}
	return r
}

// value is what a range maps to: an AS number and organisation, or a
// country code (num 0).
type value struct {
	num  uint32
	text string
}

// u128 is an IPv6 address as two halves, for comparisons.
type u128 struct{ hi, lo uint64 }

func (x u128) less(y u128) bool { return x.hi < y.hi || x.hi == y.hi && x.lo < y.lo }

var maxU128 = u128{^uint64(0), ^uint64(0)}

// next is x+1 (wrapping).
func (x u128) next() u128 {
	x.lo++
	if x.lo == 0 {
		x.hi++
	}
	return x
}

// prev is x-1 (wrapping).
func (x u128) prev() u128 {
	if x.lo == 0 {
		x.hi--
	}
	x.lo--
	return x
}

func (x u128) cmp(y u128) int {
	switch {
	case x.less(y):
		return -1
	case y.less(x):
		return 1
	}
	return 0
}

func u128Of(a netip.Addr) u128 {
	b := a.As16()
	var x u128
	for i := 0; i < 8; i++ {
		x.hi = x.hi<<8 | uint64(b[i])
		x.lo = x.lo<<8 | uint64(b[8+i])
	}
	return x
}

func u32Of(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// table maps disjoint ranges, sorted by start, to values: v4 and v6 are
// parallel arrays (start, end inclusive, index into vals).
type table struct {
	vals               []value
	start4, end4, idx4 []uint32
	start6, end6       []u128
	idx6               []uint32
}

// find returns the value of the range holding a.
func (t *table) find(a netip.Addr) (value, bool) {
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.Is4() {
		x := u32Of(a)
		// The last range starting at or before x.
		i, found := slices.BinarySearch(t.start4, x)
		if !found {
			i--
		}
		if i < 0 || x > t.end4[i] {
			return value{}, false
		}
		return t.vals[t.idx4[i]], true
	}
	x := u128Of(a)
	i, found := slices.BinarySearchFunc(t.start6, x, u128.cmp)
	if !found {
		i--
	}
	if i < 0 || t.end6[i].less(x) {
		return value{}, false
	}
	return t.vals[t.idx6[i]], true
}
