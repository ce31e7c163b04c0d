package lab

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/dnstest"
)

func hdr(name string, t uint16, ttl uint32) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: ttl}
}

func soa(origin string) *dns.SOA {
	mbox := "hostmaster." + origin
	if origin == "." {
		mbox = "hostmaster.lab.test."
	}
	return &dns.SOA{Hdr: hdr(origin, dns.TypeSOA, 3600), Ns: "ns1.lab.test.", Mbox: mbox,
		Serial: 2026112301, Refresh: 7200, Retry: 3600, Expire: 1209600, Minttl: 300}
}

func aRR(name string, a netip.Addr) *dns.A {
	return &dns.A{Hdr: hdr(name, dns.TypeA, 300), A: net.IP(a.AsSlice())}
}

func txt(name, s string) *dns.TXT {
	return &dns.TXT{Hdr: hdr(name, dns.TypeTXT, 300), Txt: []string{s}}
}

// labNS are the name servers of every zone below the root, in test.
var labNS = []string{"ns1.lab.test.", "ns2.lab.test."}

// signatureValidity is how long the lab's signatures last: a lab may run
// campaigns for weeks.
const signatureValidity = 90 * 24 * time.Hour

// buildZones builds the root, test. and every organisation's zone, signs
// those asked, and returns the authority that serves them and the root's
// trust anchor. The parent test. gets each organisation's delegation from
// the NS set at its apex (dnstest.NewAuthority).
func buildZones(ctx context.Context, e *estate, dnsIP netip.Addr, extra ...dns.RR) (*dnstest.Authority, *dns.DS, error) {
	keys, err := newDKIMKeys()
	if err != nil {
		return nil, nil, fmt.Errorf("DKIM keys: %v", err)
	}
	rrs := []dns.RR{
		soa("."),
		&dns.NS{Hdr: hdr(".", dns.TypeNS, 86400), Ns: "ns.root."},
		aRR("ns.root.", dnsIP),
		soa("test."),
	}
	for _, ns := range labNS {
		rrs = append(rrs,
			&dns.NS{Hdr: hdr("test.", dns.TypeNS, 86400), Ns: ns},
			aRR(ns, dnsIP)) // in test.; the root, served alike, needs no glue
	}
	for _, p := range e.providers {
		rrs = append(rrs, aRR(p.name+".test.", p.addr))
	}
	// Names outside test. (the third parties of Config.Pages), in the
	// root's zone.
	rrs = append(rrs, extra...)
	opts := []dnstest.Option{dnstest.Signed(), dnstest.Validity(signatureValidity)}
	for _, o := range e.orgs {
		rrs = orgZone(rrs, o, keys)
		d := dns.Fqdn(o.Domain)
		switch p := o.Profile; {
		case !p.DNSSEC:
			opts = append(opts, dnstest.Unsigned(d))
		case p.Bogus:
			opts = append(opts, dnstest.ExpiredSignatures(d))
		case p.WeakAlgorithm:
			// One shared key of 2048 bits: the algorithm is what
			// is weak, not the key's size.
			opts = append(opts, dnstest.Algorithm(d, dns.RSASHA1), dnstest.KeySize(d, 2048))
		}
	}
	a, err := dnstest.NewAuthority(ctx, rrs, opts...)
	if err != nil {
		return nil, nil, err
	}
	return a, a.Anchors()[0].(*dns.DS), nil
}

// orgZone appends to rrs the zone of one organisation, after its
// profile.
func orgZone(rrs []dns.RR, o *Org, keys dkimKeys) []dns.RR {
	d := dns.Fqdn(o.Domain)
	p := o.Profile
	z := append(rrs, soa(d))
	for _, ns := range labNS {
		z = append(z, &dns.NS{Hdr: hdr(d, dns.TypeNS, 3600), Ns: ns})
	}
	z = append(z, aRR(d, o.Addr))
	switch {
	case p.WWW && o.Provider >= 0:
		// At a hosting provider, www is an alias of the apex, as
		// hosting panels set it up.
		z = append(z, &dns.CNAME{Hdr: hdr("www."+d, dns.TypeCNAME, 300), Target: d})
	case p.WWW:
		z = append(z, aRR("www."+d, o.Addr))
	}
	if p.Good {
		z = append(z, &dns.CAA{Hdr: hdr(d, dns.TypeCAA, 300), Flag: 0, Tag: "issue", Value: "lab.test"})
	}
	spf := map[string]string{"strict": "v=spf1 mx -all", "soft": "v=spf1 mx ~all", "pass-all": "v=spf1 +all"}[p.SPF]
	if p.Mail == "null" {
		// RFC 7505: a domain that receives no mail.
		z = append(z, &dns.MX{Hdr: hdr(d, dns.TypeMX, 300), Preference: 0, Mx: "."})
		if p.SPF != "" {
			spf = "v=spf1 -all"
		}
	} else {
		z = append(z, &dns.MX{Hdr: hdr(d, dns.TypeMX, 300), Preference: 10, Mx: "mx." + d})
		z = append(z, aRR("mx."+d, o.Addr))
	}
	if spf != "" {
		z = append(z, txt(d, spf))
	}
	switch p.DMARC {
	case "reject":
		z = append(z, txt("_dmarc."+d, "v=DMARC1; p=reject; rua=mailto:dmarc@"+o.Domain))
	case "none":
		z = append(z, txt("_dmarc."+d, "v=DMARC1; p=none"))
	}
	switch p.DKIM {
	case DKIMStrong:
		z = append(z, dkimRecord("default._domainkey."+d, keys.strong))
	case DKIMWeak:
		z = append(z, dkimRecord("mail._domainkey."+d, keys.weak))
	}
	return z
}

// dkimKeys are the DKIM public keys the lab publishes (DER,
// SubjectPublicKeyInfo): one of 2048 bits and one of 1024, shared by
// every organisation; no mail is ever signed with them.
type dkimKeys struct{ strong, weak []byte }

func newDKIMKeys() (dkimKeys, error) {
	var k dkimKeys
	for _, x := range []struct {
		bits int
		der  *[]byte
	}{{2048, &k.strong}, {1024, &k.weak}} {
		key, err := rsa.GenerateKey(rand.Reader, x.bits)
		if err != nil {
			return k, err
		}
		if *x.der, err = x509.MarshalPKIXPublicKey(&key.PublicKey); err != nil {
			return k, err
		}
	}
	return k, nil
}

// dkimRecord is a DKIM key record (RFC 6376 section 3.6.1) at name, in
// strings of at most 255 bytes.
func dkimRecord(name string, der []byte) *dns.TXT {
	v := "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
	rr := &dns.TXT{Hdr: hdr(name, dns.TypeTXT, 300)}
	for len(v) > 255 {
		rr.Txt = append(rr.Txt, v[:255])
		v = v[255:]
	}
	rr.Txt = append(rr.Txt, v)
	return rr
}
