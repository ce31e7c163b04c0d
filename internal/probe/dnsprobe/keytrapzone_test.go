package dnsprobe

import (
	"crypto"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/dnstest"
)

// A hostile zone in the KeyTrap family (CVE-2023-50387): keytrap.test.,
// signed with one Ed25519 key and securely delegated from a dnstest
// server that signs "." and "test.", serves whatever its options say:
// DNSKEYs that share the key tag and algorithm of the real key, copies of
// the real key, and RRSIGs that do not verify, placed before the one that
// does.

// keytrapApex is the hostile zone.
const keytrapApex = "keytrap.test."

// keytrapOptions say how hostile the zone is.
type keytrapOptions struct {
	colliding int // DNSKEYs sharing the real key's tag and algorithm, served before it
	copies    int // extra copies of the real key in the DNSKEY set
	badSigs   int // RRSIGs that do not verify, before the good one, over every RRset but TLSA
	badAfter  int // RRSIGs that do not verify, after the good one
	badTLSA   int // RRSIGs that do not verify, before the good one, over each TLSA set
}

// keytrapMX is the number of MX hosts of the zone, each with a TLSA set
// at _25._tcp.mxN.keytrap.test.
const keytrapMX = 40

func keytrapTLSAName(i int) string { return fmt.Sprintf("_25._tcp.mx%d.%s", i, keytrapApex) }

// keytrapZone serves the hostile zone, and the signed tree above it.
type keytrapZone struct {
	Addr    string   // the server to ask
	Anchors []dns.RR // the trust anchor of the tree

	parent dns.Handler
	rrsets map[question][]dns.RR // answers, RRSIGs included
	names  map[string]bool       // names that exist in the zone
	soa    []dns.RR              // the SOA set and its RRSIGs, for negative answers
}

// newKeytrapZone builds the zone and serves it on 127.0.0.1.
func newKeytrapZone(t testing.TB, o keytrapOptions) *keytrapZone {
	t.Helper()
	key := &dns.DNSKEY{Hdr: dns.RR_Header{Name: keytrapApex, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: 257, Protocol: 3, Algorithm: dns.ED25519}
	k, err := key.Generate(256)
	if err != nil {
		t.Fatal(err)
	}
	priv := k.(crypto.Signer)
	ds := key.ToDS(dns.SHA256)
	parent := dnstest.NewServer(t, fmt.Sprintf(`
		.                 3600 IN SOA ns.root. hostmaster.root. 1 7200 3600 1209600 300
		.                 3600 IN NS  ns.root.
		ns.root.          3600 IN A   192.0.2.250
		test.             3600 IN SOA ns.test. hostmaster.test. 1 7200 3600 1209600 300
		test.             3600 IN NS  ns.test.
		ns.test.          3600 IN A   192.0.2.251
		%[1]s             3600 IN NS  ns.%[1]s
		%[1]s             3600 IN DS  %[2]d %[3]d %[4]d %[5]s
		ns.%[1]s          3600 IN A   192.0.2.53
	`, keytrapApex, ds.KeyTag, ds.Algorithm, ds.DigestType, ds.Digest), dnstest.Signed(), dnstest.SigningTime(testNow))

	z := &keytrapZone{Anchors: parent.Anchors(), parent: parent, rrsets: map[question][]dns.RR{}, names: map[string]bool{keytrapApex: true}}
	var keys []dns.RR
	for _, c := range collidingKeys(t, key, o.colliding) {
		keys = append(keys, c)
	}
	keys = append(keys, key)
	for range o.copies {
		keys = append(keys, dns.Copy(key))
	}
	sign := func(set []dns.RR, bad int) []dns.RR {
		good := &dns.RRSIG{Hdr: dns.RR_Header{Name: set[0].Header().Name, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: set[0].Header().Ttl},
			Algorithm: key.Algorithm, KeyTag: key.KeyTag(), SignerName: keytrapApex,
			Inception: uint32(testNow.Add(-time.Hour).Unix()), Expiration: uint32(testNow.Add(30 * 24 * time.Hour).Unix())}
		if err := good.Sign(priv, set); err != nil {
			t.Fatal(err)
		}
		out := append([]dns.RR(nil), set...)
		forged := func(i int) dns.RR {
			s := dns.Copy(good).(*dns.RRSIG)
			b := sha512.Sum512(fmt.Appendf(nil, "%s %d %d", s.Hdr.Name, s.TypeCovered, i))
			s.Signature = base64.StdEncoding.EncodeToString(b[:])
			return s
		}
		for i := range bad {
			out = append(out, forged(i))
		}
		out = append(out, good)
		for i := range o.badAfter {
			out = append(out, forged(bad+i))
		}
		return out
	}
	add := func(rr dns.RR, bad int) {
		name := dns.CanonicalName(rr.Header().Name)
		z.rrsets[question{name, rr.Header().Rrtype}] = sign([]dns.RR{rr}, bad)
		for n := name; n != keytrapApex; n = parentName(n) {
			z.names[n] = true
		}
	}
	z.rrsets[question{keytrapApex, dns.TypeDNSKEY}] = sign(keys, o.badSigs)
	soa, _ := dns.NewRR(keytrapApex + " 300 IN SOA ns." + keytrapApex + " hostmaster." + keytrapApex + " 1 7200 3600 1209600 300")
	add(soa, o.badSigs)
	z.soa = z.rrsets[question{keytrapApex, dns.TypeSOA}]
	a, _ := dns.NewRR(keytrapApex + " 300 IN A 192.0.2.1")
	add(a, o.badSigs)
	for i := range keytrapMX {
		tlsa, _ := dns.NewRR(keytrapTLSAName(i) + " 300 IN TLSA 3 1 1 " + fmt.Sprintf("%064x", i))
		add(tlsa, o.badTLSA)
	}
	z.Addr = dnstest.Serve(t, z)
	return z
}

// ServeDNS answers for the hostile zone, and hands the rest (and the DS
// of the zone, which its parent serves) to the parent's server.
func (z *keytrapZone) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	if len(req.Question) != 1 {
		z.parent.ServeDNS(w, req)
		return
	}
	q := req.Question[0]
	name := dns.CanonicalName(q.Name)
	if !dns.IsSubDomain(keytrapApex, name) || name == keytrapApex && q.Qtype == dns.TypeDS {
		z.parent.ServeDNS(w, req)
		return
	}
	resp := new(dns.Msg)
	resp.SetReply(req)
	resp.Authoritative = true
	switch rrs, ok := z.rrsets[question{name, q.Qtype}]; {
	case ok:
		resp.Answer = rrs
	case z.names[name]:
		resp.Ns = z.soa
	default:
		resp.Rcode = dns.RcodeNameError
		resp.Ns = z.soa
	}
	size := dns.MinMsgSize
	if opt := req.IsEdns0(); opt != nil {
		resp.SetEdns0(4096, opt.Do())
		size = max(int(opt.UDPSize()), dns.MinMsgSize)
	}
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		resp.Truncate(size)
	}
	w.WriteMsg(resp)
}

// collidingKeys returns n distinct DNSKEYs with the key tag and algorithm
// of k (see dnstest.CollidingKeys).
func collidingKeys(t testing.TB, k *dns.DNSKEY, n int) []*dns.DNSKEY {
	t.Helper()
	keys, err := dnstest.CollidingKeys(k, n)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}
