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
	"runtime"
	"sync"
	"time"

	"github.com/miekg/dns"
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

// buildZones builds the root, test. and every organisation's zone, signs
// those asked, and returns the server and the root's trust anchor.
func buildZones(ctx context.Context, e *estate, dnsIP netip.Addr) (*nameServer, *dns.DS, error) {
	s := &nameServer{zones: map[string]*zone{}}
	keys, err := newDKIMKeys()
	if err != nil {
		return nil, nil, fmt.Errorf("DKIM keys: %v", err)
	}
	root := newZone(".")
	root.add(soa("."))
	root.add(&dns.NS{Hdr: hdr(".", dns.TypeNS, 86400), Ns: "ns.root."})
	root.add(aRR("ns.root.", dnsIP))
	tld := newZone("test.")
	tld.add(soa("test."))
	for _, ns := range labNS {
		root.add(&dns.NS{Hdr: hdr("test.", dns.TypeNS, 86400), Ns: ns})
		root.add(aRR(ns, dnsIP)) // glue
		tld.add(&dns.NS{Hdr: hdr("test.", dns.TypeNS, 86400), Ns: ns})
		tld.add(aRR(ns, dnsIP))
	}
	for _, p := range e.providers {
		tld.add(aRR(p.name+".test.", p.addr))
	}
	s.zones["."], s.zones["test."] = root, tld
	signed := []*zone{root, tld}
	for _, o := range e.orgs {
		z := orgZone(o, keys)
		z.expired, z.weak = o.Profile.Bogus, o.Profile.WeakAlgorithm
		s.zones[z.origin] = z
		for _, ns := range labNS {
			tld.add(&dns.NS{Hdr: hdr(z.origin, dns.TypeNS, 3600), Ns: ns})
		}
		if o.Profile.DNSSEC {
			signed = append(signed, z)
		}
	}

	// Keys first, then the DS of each signed child in its parent, then
	// the signatures, spread over the CPUs.
	var weak weakKey
	for _, z := range signed {
		newKey := newZoneKey
		if z.weak {
			newKey = weak.key
		}
		key, priv, err := newKey(z.origin)
		if err != nil {
			return nil, nil, err
		}
		z.key, z.priv = key, priv
		z.add(key)
		if z != root {
			parent := root
			if z != tld {
				parent = tld
			}
			parent.add(key.ToDS(dns.SHA256))
		}
	}
	for _, z := range s.zones {
		z.finish()
	}
	now := time.Now()
	inception, expiration := now.Add(-time.Hour), now.Add(90*24*time.Hour)
	work := make(chan *zone)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for z := range work {
				in, ex := inception, expiration
				if z.expired {
					in, ex = now.Add(-40*24*time.Hour), now.Add(-10*24*time.Hour)
				}
				if err := z.sign(in, ex); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		})
	}
feed:
	for _, z := range signed {
		select {
		case work <- z:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	select {
	case err := <-errs:
		return nil, nil, err
	default:
	}
	return s, root.key.ToDS(dns.SHA256), nil
}

// orgZone is the zone of one organisation, after its profile.
func orgZone(o *Org, keys dkimKeys) *zone {
	d := dns.Fqdn(o.Domain)
	p := o.Profile
	z := newZone(d)
	z.add(soa(d))
	for _, ns := range labNS {
		z.add(&dns.NS{Hdr: hdr(d, dns.TypeNS, 3600), Ns: ns})
	}
	z.add(aRR(d, o.Addr))
	if p.WWW {
		z.add(aRR("www."+d, o.Addr))
	}
	if p.Good {
		z.add(&dns.CAA{Hdr: hdr(d, dns.TypeCAA, 300), Flag: 0, Tag: "issue", Value: "lab.test"})
	}
	spf := map[string]string{"strict": "v=spf1 mx -all", "soft": "v=spf1 mx ~all", "pass-all": "v=spf1 +all"}[p.SPF]
	if p.Mail == "null" {
		// RFC 7505: a domain that receives no mail.
		z.add(&dns.MX{Hdr: hdr(d, dns.TypeMX, 300), Preference: 0, Mx: "."})
		if p.SPF != "" {
			spf = "v=spf1 -all"
		}
	} else {
		z.add(&dns.MX{Hdr: hdr(d, dns.TypeMX, 300), Preference: 10, Mx: "mx." + d})
		z.add(aRR("mx."+d, o.Addr))
	}
	if spf != "" {
		z.add(txt(d, spf))
	}
	switch p.DMARC {
	case "reject":
		z.add(txt("_dmarc."+d, "v=DMARC1; p=reject; rua=mailto:dmarc@"+o.Domain))
	case "none":
		z.add(txt("_dmarc."+d, "v=DMARC1; p=none"))
	}
	switch p.DKIM {
	case DKIMStrong:
		z.add(dkimRecord("default._domainkey."+d, keys.strong))
	case DKIMWeak:
		z.add(dkimRecord("mail._domainkey."+d, keys.weak))
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
