package lab

import (
	"bytes"
	"crypto"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// nameServer is the lab's authoritative DNS server: every zone of the lab
// (the root, test. and one zone per organisation) in one process, signed
// where asked, answering as internal/dnstest does but built for tens of
// thousands of zones.
type nameServer struct {
	zones map[string]*zone // by canonical origin
}

// zone is one zone of the lab. Its records are in one map, not a map per
// owner: tens of thousands of zones must fit in little memory.
type zone struct {
	origin string
	sets   map[rrKey][]dns.RR  // RRsets and the RRSIGs over them
	types  map[string][]uint16 // owner -> types it has
	ent    map[string]bool     // empty non-terminals; nil when none
	nsec   []string            // owners in canonical order, when signed
	key    *dns.DNSKEY
	priv   crypto.Signer
	// expired makes the zone's signatures expire before it is served.
	expired bool
	// weak signs the zone with RSASHA1 rather than ECDSA P-256.
	weak bool
}

// rrKey names an RRset, or with sig the RRSIGs over it.
type rrKey struct {
	name string
	t    uint16
	sig  bool
}

func newZone(origin string) *zone {
	return &zone{origin: origin, sets: map[rrKey][]dns.RR{}, types: map[string][]uint16{}}
}

// add adds rr, whose name must be canonical.
func (z *zone) add(rr dns.RR) {
	k := rrKey{name: rr.Header().Name, t: rr.Header().Rrtype}
	if z.sets[k] == nil {
		z.types[k.name] = append(z.types[k.name], k.t)
	}
	z.sets[k] = append(z.sets[k], rr)
}

// set returns the RRset of name and type t.
func (z *zone) set(name string, t uint16) []dns.RR { return z.sets[rrKey{name: name, t: t}] }

// finish records the empty non-terminals of z.
func (z *zone) finish() {
	for n := range z.types {
		for p := parentName(n); p != z.origin && dns.IsSubDomain(z.origin, p); p = parentName(p) {
			if z.types[p] != nil {
				break
			}
			if z.ent == nil {
				z.ent = map[string]bool{}
			}
			z.ent[p] = true
		}
	}
}

func parentName(name string) string {
	if name == "." {
		return "."
	}
	i, end := dns.NextLabel(name, 0)
	if end {
		return "."
	}
	return name[i:]
}

// closest returns the zone with the longest origin that encloses name.
func (s *nameServer) closest(name string) *zone {
	for n := name; ; n = parentName(n) {
		if z := s.zones[n]; z != nil {
			return z
		}
		if n == "." {
			return nil
		}
	}
}

// cut returns the highest delegation point at or above name within z, or
// "".
func (z *zone) cut(name string) string {
	var found string
	for n := name; n != z.origin && dns.IsSubDomain(z.origin, n); n = parentName(n) {
		if z.set(n, dns.TypeNS) != nil {
			found = n
		}
		if n == "." {
			break
		}
	}
	return found
}

// newZoneKey makes a combined signing key (flags 257, ECDSA P-256,
// algorithm 13) for origin.
func newZoneKey(origin string) (*dns.DNSKEY, crypto.Signer, error) {
	k := &dns.DNSKEY{
		Hdr:       dns.RR_Header{Name: origin, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags:     dns.ZONE | dns.SEP,
		Protocol:  3,
		Algorithm: dns.ECDSAP256SHA256,
	}
	for {
		priv, err := k.Generate(256)
		if err != nil {
			return nil, nil, err
		}
		// miekg/dns refuses to sign with key tag 0, one key in
		// 65,536: draw another.
		if k.KeyTag() != 0 {
			return k, priv.(crypto.Signer), nil
		}
	}
}

// weakKey is one RSASHA1 key (2048 bits), shared by the zones signed
// with it: the key tag does not depend on the owner, and one key spares
// the lab an RSA key generation per zone.
type weakKey struct {
	once   sync.Once
	public string // DNSKEY public key field
	priv   crypto.Signer
	err    error
}

// key returns a combined signing key (flags 257, RSASHA1) for origin.
func (w *weakKey) key(origin string) (*dns.DNSKEY, crypto.Signer, error) {
	k := &dns.DNSKEY{
		Hdr:       dns.RR_Header{Name: origin, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags:     dns.ZONE | dns.SEP,
		Protocol:  3,
		Algorithm: dns.RSASHA1,
	}
	w.once.Do(func() {
		for {
			priv, err := k.Generate(2048)
			if err != nil {
				w.err = err
				return
			}
			if k.KeyTag() != 0 { // see newZoneKey
				w.public, w.priv = k.PublicKey, priv.(crypto.Signer)
				return
			}
		}
	})
	k.PublicKey = w.public
	return k, w.priv, w.err
}

// sign adds the NSEC chain (RFC 4034 section 4) and an RRSIG over every
// authoritative RRset of z; delegation NS sets and glue stay unsigned
// (RFC 4035 section 2.2).
func (z *zone) sign(inception, expiration time.Time) error {
	var names []string
	for n := range z.types {
		if c := z.cut(n); c != "" && c != n {
			continue // glue below a delegation
		}
		names = append(names, n)
	}
	slices.SortFunc(names, compareNames)
	z.nsec = names
	soaMin := uint32(300)
	for i, n := range names {
		types := append([]uint16{dns.TypeNSEC, dns.TypeRRSIG}, z.types[n]...)
		slices.Sort(types)
		z.add(&dns.NSEC{
			Hdr:        dns.RR_Header{Name: n, Rrtype: dns.TypeNSEC, Class: dns.ClassINET, Ttl: soaMin},
			NextDomain: names[(i+1)%len(names)],
			TypeBitMap: types,
		})
	}
	for _, n := range names {
		delegation := z.cut(n) == n
		for _, t := range z.types[n] {
			set := z.set(n, t)
			if delegation && t != dns.TypeDS && t != dns.TypeNSEC {
				continue
			}
			sig := &dns.RRSIG{
				Hdr:        dns.RR_Header{Name: n, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: set[0].Header().Ttl},
				Algorithm:  z.key.Algorithm,
				Expiration: uint32(expiration.Unix()),
				Inception:  uint32(inception.Unix()),
				KeyTag:     z.key.KeyTag(),
				SignerName: z.origin,
			}
			if err := sig.Sign(z.priv, set); err != nil {
				return fmt.Errorf("%s/%s: %v", n, dns.TypeToString[t], err)
			}
			k := rrKey{name: n, t: t, sig: true}
			z.sets[k] = append(z.sets[k], sig)
		}
	}
	z.priv = nil // signed once for the life of the lab
	return nil
}

// compareNames orders names canonically (RFC 4034 section 6.1).
func compareNames(a, b string) int {
	la, lb := dns.SplitDomainName(a), dns.SplitDomainName(b)
	for i := 1; i <= len(la) && i <= len(lb); i++ {
		if c := bytes.Compare([]byte(strings.ToLower(la[len(la)-i])), []byte(strings.ToLower(lb[len(lb)-i]))); c != 0 {
			return c
		}
	}
	return len(la) - len(lb)
}

// ServeDNS answers one query.
func (s *nameServer) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	_, udp := w.RemoteAddr().(*net.UDPAddr)
	resp := new(dns.Msg)
	resp.SetReply(req)
	opt := req.IsEdns0()
	do := opt != nil && opt.Do()
	if len(req.Question) == 1 && req.Opcode == dns.OpcodeQuery {
		q := req.Question[0]
		s.answer(resp, dns.CanonicalName(q.Name), q.Qtype, do)
	} else {
		resp.Rcode = dns.RcodeFormatError
	}
	size := dns.MinMsgSize
	if opt != nil {
		resp.SetEdns0(4096, do)
		size = max(int(opt.UDPSize()), dns.MinMsgSize)
	}
	if udp {
		resp.Truncate(size)
	}
	w.WriteMsg(resp)
}

// zoneFor returns the zone that answers qname/qtype: the closest enclosing
// zone, except for a DS at a zone apex, answered by the parent (RFC 4035
// section 3.1.4.1).
func (s *nameServer) zoneFor(qname string, qtype uint16) *zone {
	z := s.closest(qname)
	if z != nil && qtype == dns.TypeDS && z.origin == qname && qname != "." {
		if p := s.closest(parentName(qname)); p != nil {
			return p
		}
	}
	return z
}

func (s *nameServer) answer(resp *dns.Msg, qname string, qtype uint16, do bool) {
	z := s.zoneFor(qname, qtype)
	if z == nil {
		resp.Rcode = dns.RcodeRefused
		return
	}
	resp.Authoritative = true
	if c := z.cut(qname); c != "" && (qtype != dns.TypeDS || c != qname) {
		z.referral(resp, c, do)
		return
	}
	if z.types[qname] == nil {
		if z.ent[qname] {
			z.nodata(resp, qname, do)
			return
		}
		resp.Rcode = dns.RcodeNameError
		z.nxdomain(resp, qname, do)
		return
	}
	if z.set(qname, qtype) != nil {
		resp.Answer = append(resp.Answer, z.withSigs(qname, qtype, do)...)
		return
	}
	z.nodata(resp, qname, do)
}

func (z *zone) withSigs(name string, t uint16, do bool) []dns.RR {
	out := slices.Clone(z.set(name, t))
	if do {
		out = append(out, z.sets[rrKey{name: name, t: t, sig: true}]...)
	}
	return out
}

func (z *zone) nodata(resp *dns.Msg, name string, do bool) {
	resp.Ns = append(resp.Ns, z.withSigs(z.origin, dns.TypeSOA, do)...)
	if !do || z.key == nil {
		return
	}
	if z.set(name, dns.TypeNSEC) != nil {
		resp.Ns = append(resp.Ns, z.withSigs(name, dns.TypeNSEC, do)...)
		return
	}
	z.covering(resp, name) // empty non-terminal (RFC 4035 section 3.1.3.2)
}

func (z *zone) nxdomain(resp *dns.Msg, name string, do bool) {
	resp.Ns = append(resp.Ns, z.withSigs(z.origin, dns.TypeSOA, do)...)
	if !do || z.key == nil {
		return
	}
	z.covering(resp, name)
	// The closest encloser, and the NSEC that proves no wildcard below
	// it (RFC 4035 section 3.1.3.2).
	ce := parentName(name)
	for ce != z.origin && z.types[ce] == nil && !z.ent[ce] {
		ce = parentName(ce)
	}
	z.covering(resp, "*."+ce)
}

// covering adds the NSEC record whose interval holds name, once.
func (z *zone) covering(resp *dns.Msg, name string) {
	if len(z.nsec) == 0 {
		return
	}
	i, found := slices.BinarySearchFunc(z.nsec, name, compareNames)
	owner := z.nsec[(i-1+len(z.nsec))%len(z.nsec)]
	if found {
		owner = name
	}
	for _, rr := range resp.Ns {
		if rr.Header().Rrtype == dns.TypeNSEC && rr.Header().Name == owner {
			return
		}
	}
	resp.Ns = append(resp.Ns, z.withSigs(owner, dns.TypeNSEC, true)...)
}

// referral answers for a name at or below the delegation point cut: the
// NS set, the DS set or the proof that there is none, and glue (RFC 4035
// section 3.1.4).
func (z *zone) referral(resp *dns.Msg, cut string, do bool) {
	resp.Authoritative = false
	resp.Ns = append(resp.Ns, z.set(cut, dns.TypeNS)...)
	if do && z.key != nil {
		if z.set(cut, dns.TypeDS) != nil {
			resp.Ns = append(resp.Ns, z.withSigs(cut, dns.TypeDS, true)...)
		} else {
			resp.Ns = append(resp.Ns, z.withSigs(cut, dns.TypeNSEC, true)...)
		}
	}
	for _, rr := range z.set(cut, dns.TypeNS) {
		target := rr.(*dns.NS).Ns
		resp.Extra = append(resp.Extra, z.set(target, dns.TypeA)...)
	}
}

// udpReadBuffer is the receive buffer asked for the DNS server's UDP
// socket.
const udpReadBuffer = 4 << 20

// serveDNS starts UDP and TCP servers for h on addr ("ip:port"; port 0
// picks a port free for both) and returns the address and a function that
// stops them and waits for them.
func serveDNS(addr string, h dns.Handler) (string, func(), error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", nil, err
	}
	var (
		pc net.PacketConn
		l  net.Listener
	)
	for range 20 {
		pc, err = net.ListenPacket("udp", net.JoinHostPort(host, port))
		if err != nil {
			return "", nil, err
		}
		// Thousands of audits query this one socket: a larger
		// receive buffer (up to net.core.rmem_max) loses fewer
		// datagrams when the server falls behind.
		pc.(*net.UDPConn).SetReadBuffer(udpReadBuffer)
		l, err = net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			break
		}
		pc.Close()
		if port != "0" {
			return "", nil, err
		}
	}
	if err != nil {
		return "", nil, err
	}
	var started sync.WaitGroup
	started.Add(2)
	udp := &dns.Server{PacketConn: pc, Handler: h, NotifyStartedFunc: started.Done}
	tcp := &dns.Server{Listener: l, Handler: h, NotifyStartedFunc: started.Done,
		ReadTimeout: 10 * time.Second, IdleTimeout: func() time.Duration { return 10 * time.Second }}
	var wg sync.WaitGroup
	wg.Go(func() { udp.ActivateAndServe() })
	wg.Go(func() { tcp.ActivateAndServe() })
	started.Wait()
	stop := func() {
		udp.Shutdown()
		tcp.Shutdown()
		wg.Wait()
	}
	return pc.LocalAddr().String(), stop, nil
}
