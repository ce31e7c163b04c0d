package dnstest

import (
	"crypto/sha512"
	"encoding/base64"
	"fmt"

	"github.com/miekg/dns"
)

// keyTrap says how hostile a zone is made by KeyTrap.
type keyTrap struct {
	keys, sigs int
}

// KeyTrap makes zone hostile in the manner of the KeyTrap family of
// attacks on validators (CVE-2023-50387): its DNSKEY set also holds keys
// more DNSKEYs that share the key tag and algorithm of its real key, and every
// RRset it signs carries sigs RRSIGs that do not verify, with that same
// tag, before the one that does. A validator without budgets tries every
// key with every signature.
func KeyTrap(zone string, keys, sigs int) Option {
	return func(c *config) {
		if c.keyTrap == nil {
			c.keyTrap = map[string]keyTrap{}
		}
		c.keyTrap[dns.CanonicalName(zone)] = keyTrap{keys: keys, sigs: sigs}
	}
}

// CollidingKeys returns n distinct DNSKEYs with the flags, key tag and
// algorithm of k, and keys that are not k's: random strings of k's key's
// length whose first two bytes are solved for the tag (RFC 4034 appendix
// B sums the RDATA as 16-bit words). Many are not even valid keys; a
// validator learns it only by trying them.
func CollidingKeys(k *dns.DNSKEY, n int) ([]*dns.DNSKEY, error) {
	real, err := base64.StdEncoding.DecodeString(k.PublicKey)
	if err != nil || len(real) < 2 {
		return nil, fmt.Errorf("dnstest: key of %s: not a usable key", k.Hdr.Name)
	}
	want := k.KeyTag()
	var out []*dns.DNSKEY
	for i := 0; len(out) < n; i++ {
		if i > 16*n+1024 {
			return nil, fmt.Errorf("dnstest: no key colliding with tag %d found", want)
		}
		pk := make([]byte, 0, len(real))
		for seed := 0; len(pk) < len(real); seed++ {
			h := sha512.Sum512(fmt.Appendf(nil, "colliding %d %d", i, seed))
			pk = append(pk, h[:]...)
		}
		pk = pk[:len(real)]
		pk[0], pk[1] = 0, 0
		rdata := append([]byte{byte(k.Flags >> 8), byte(k.Flags), k.Protocol, k.Algorithm}, pk...)
		var sum uint32
		for j, b := range rdata {
			if j&1 == 0 {
				sum += uint32(b) << 8
			} else {
				sum += uint32(b)
			}
		}
		// The key's first two bytes are the third 16-bit word of the
		// RDATA: find the word that brings the folded sum to want.
		for w := range uint32(1 << 16) {
			x := sum + w
			if uint16(x+(x>>16)&0xFFFF) == want {
				pk[0], pk[1] = byte(w>>8), byte(w)
				break
			}
		}
		c := dns.Copy(k).(*dns.DNSKEY)
		c.PublicKey = base64.StdEncoding.EncodeToString(pk)
		if c.KeyTag() != want || c.PublicKey == k.PublicKey {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// failingSigs returns n copies of sig whose signatures do not verify.
func failingSigs(sig *dns.RRSIG, n int) []dns.RR {
	b, _ := base64.StdEncoding.DecodeString(sig.Signature)
	out := make([]dns.RR, 0, n)
	for i := range n {
		bad := append([]byte(nil), b...)
		bad[len(bad)/2] ^= byte(i + 1)
		bad[0] ^= byte(i>>8 + 1)
		c := dns.Copy(sig).(*dns.RRSIG)
		c.Signature = base64.StdEncoding.EncodeToString(bad)
		out = append(out, c)
	}
	return out
}
