package dnsprobe

import (
	"errors"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// ianaRootAnchors are the DS records of the root zone's key-signing keys
// that IANA publishes (https://data.iana.org/root-anchors/root-anchors.xml,
// RFC 9718): KSK-2017 and KSK-2024.
const ianaRootAnchors = `
. IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
. IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16
`

// Limits on a trust anchor file.
const (
	maxAnchorText    = 1 << 20
	maxAnchorRecords = 64
)

// ParseAnchors reads trust anchors from zone-file text holding DS or
// DNSKEY records (the output of `dig . DNSKEY`, or DS lines such as
// ". IN DS 20326 8 2 E06D..."), for the --trust-anchor flag. Relative names
// are relative to the root; $INCLUDE is refused. Any other record type, a
// DNSKEY that is not a zone key, or a DS with an unknown digest type is an
// error.
func ParseAnchors(text string) ([]dns.RR, error) {
	if len(text) > maxAnchorText {
		return nil, fmt.Errorf("dnsprobe: trust anchor: text larger than %d bytes", maxAnchorText)
	}
	zp := dns.NewZoneParser(strings.NewReader(text), ".", "")
	zp.SetIncludeAllowed(false)
	var out []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if len(out) == maxAnchorRecords {
			return nil, fmt.Errorf("dnsprobe: trust anchor: more than %d records", maxAnchorRecords)
		}
		switch a := rr.(type) {
		case *dns.DS:
			switch a.DigestType {
			case dns.SHA1, dns.SHA256, dns.SHA384:
			default:
				return nil, fmt.Errorf("dnsprobe: trust anchor: DS %s %d: unsupported digest type %d", display(a.Hdr.Name), a.KeyTag, a.DigestType)
			}
			if want := digestLen(a.DigestType); len(a.Digest) != 2*want {
				return nil, fmt.Errorf("dnsprobe: trust anchor: DS %s %d: digest of %d hex digits, want %d", display(a.Hdr.Name), a.KeyTag, len(a.Digest), 2*want)
			}
		case *dns.DNSKEY:
			if a.Flags&dns.ZONE == 0 || a.Flags&dns.REVOKE != 0 || a.Protocol != 3 {
				return nil, fmt.Errorf("dnsprobe: trust anchor: DNSKEY %s %d is not a usable zone key (flags %d, protocol %d)", display(a.Hdr.Name), a.KeyTag(), a.Flags, a.Protocol)
			}
		default:
			return nil, fmt.Errorf("dnsprobe: trust anchor: %s record for %s, want DS or DNSKEY", typeName(rr.Header().Rrtype), display(rr.Header().Name))
		}
		rr.Header().Name = dns.CanonicalName(rr.Header().Name)
		out = append(out, rr)
	}
	if err := zp.Err(); err != nil {
		return nil, fmt.Errorf("dnsprobe: trust anchor: %w", err)
	}
	if len(out) == 0 {
		return nil, errors.New("dnsprobe: trust anchor: no DS or DNSKEY record")
	}
	return out, nil
}

// digestLen is the size in bytes of a DS digest (RFC 4509, RFC 6605).
func digestLen(t uint8) int {
	switch t {
	case dns.SHA1:
		return 20
	case dns.SHA256:
		return 32
	case dns.SHA384:
		return 48
	}
	return 0
}
