// Package dnstest provides an authoritative DNS server for tests, in the
// spirit of net/http/httptest: the test writes zones as an operator writes
// them, and the server answers for them on 127.0.0.1, over UDP and TCP.
//
//	srv := dnstest.NewServer(t, `
//		example.test.        300 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 3600 1209600 300
//		example.test.        300 IN NS  ns1.example.test.
//		example.test.        300 IN TXT "v=spf1 -all"
//	`)
//	// ask srv.Addr
//
// The server can sign its zones (see Signed) so that DNSSEC validators can
// be tested from a trust anchor the test owns (Server.Anchors), and it can
// misbehave on purpose (Silent, Garbage, Truncated, ExpiredSignatures,
// BrokenSignatures, WrongDS, Modify).
//
// It is a test helper, not a name server: no wildcard synthesis, no zone
// transfers, no NSEC3, no ANY. It only ever listens on loopback.
package dnstest

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Server is a running authoritative test server.
type Server struct {
	// Addr is the address the server listens on, "127.0.0.1:PORT", for
	// both UDP and TCP.
	Addr string

	cfg   config
	zones map[string]*zone // by canonical origin

	udpQueries atomic.Int64
	tcpQueries atomic.Int64

	mu      sync.Mutex
	dropped map[dns.Question]int // UDP queries left unanswered, per question
}

// Option changes how NewServer builds or runs the server.
type Option func(*config)

type config struct {
	sign     bool
	algs     map[string]uint8
	unsigned map[string]bool
	expired  map[string]bool
	broken   map[string]bool
	wrongDS  map[string]bool
	silent   bool
	garbage  bool
	truncate bool
	dropUDP  int
	modify   func(req, resp *dns.Msg)
	now      time.Time
}

// Signed signs every zone of the server: one key per zone (a combined
// signing key, flags 257, ECDSA P-256 SHA-256, algorithm 13, unless
// Algorithm says otherwise), its DNSKEY at the apex, an NSEC chain, an
// RRSIG over every authoritative RRset, and a DS (SHA-256) at the child's
// name in its parent zone when the parent is served too. The DS of the
// root zone's key is the trust anchor: Server.Anchors.
func Signed() Option { return func(c *config) { c.sign = true } }

// Algorithm signs zone with the given DNSSEC algorithm (dns.RSASHA1,
// dns.RSASHA256, dns.ED25519...) instead of ECDSA P-256. It implies Signed.
// RSA keys are 1024 bits for RSASHA1 and RSASHA1-NSEC3-SHA1, 2048 bits
// otherwise.
func Algorithm(zone string, alg uint8) Option {
	return func(c *config) {
		c.sign = true
		c.algs[dns.CanonicalName(zone)] = alg
	}
}

// Unsigned leaves zone unsigned, and without a DS in its parent, when the
// server signs its zones.
func Unsigned(zone string) Option {
	return func(c *config) { c.unsigned[dns.CanonicalName(zone)] = true }
}

// ExpiredSignatures makes every RRSIG of zone expire a day before the
// signing time.
func ExpiredSignatures(zone string) Option {
	return func(c *config) { c.expired[dns.CanonicalName(zone)] = true }
}

// BrokenSignatures corrupts every RRSIG of zone: the signatures are well
// formed but do not verify (a bogus zone).
func BrokenSignatures(zone string) Option {
	return func(c *config) { c.broken[dns.CanonicalName(zone)] = true }
}

// WrongDS makes the parent of zone publish a DS for a key that zone does
// not have (a DS mismatch).
func WrongDS(zone string) Option {
	return func(c *config) { c.wrongDS[dns.CanonicalName(zone)] = true }
}

// SigningTime sets the time signatures are made at: they are valid from an
// hour before it to 30 days after it. The default is the time NewServer
// runs.
func SigningTime(t time.Time) Option { return func(c *config) { c.now = t } }

// Silent makes the server read queries and never answer them.
func Silent() Option { return func(c *config) { c.silent = true } }

// Garbage makes the server answer every query with bytes that start with
// the query's ID and are not a DNS message.
func Garbage() Option { return func(c *config) { c.garbage = true } }

// Truncated makes every UDP answer empty with the TC bit set, so that
// clients must retry over TCP, where the full answer is given.
func Truncated() Option { return func(c *config) { c.truncate = true } }

// DropUDP makes the server leave unanswered the first n UDP queries of
// each question, as if the datagrams were lost: a client gets its answer
// only by sending the query again (or over TCP).
func DropUDP(n int) Option { return func(c *config) { c.dropUDP = n } }

// Modify lets the test change each response before it is sent (a wrong
// question, a wrong rcode, extra records...).
func Modify(f func(req, resp *dns.Msg)) Option { return func(c *config) { c.modify = f } }

// NewServer parses zone, builds the zones it holds (one per SOA record;
// every record belongs to the closest enclosing zone), signs them if asked,
// and starts serving on a random port of 127.0.0.1. The server stops when
// the test ends. Any error fails the test.
//
// Records are written in zone-file syntax with absolute names; leading
// whitespace is ignored, so every record line must name its owner. The default TTL is 3600.
func NewServer(t testing.TB, zone string, opts ...Option) *Server {
	t.Helper()
	cfg := config{
		algs:     map[string]uint8{},
		unsigned: map[string]bool{},
		expired:  map[string]bool{},
		broken:   map[string]bool{},
		wrongDS:  map[string]bool{},
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.now.IsZero() {
		cfg.now = time.Now()
	}
	s := &Server{cfg: cfg}
	zones, err := buildZones(zone)
	if err != nil {
		t.Fatalf("dnstest: %v", err)
	}
	s.zones = zones
	if cfg.sign {
		if err := s.signAll(); err != nil {
			t.Fatalf("dnstest: %v", err)
		}
	}
	s.start(t)
	return s
}

// Queries returns how many queries the server received over UDP and over
// TCP.
func (s *Server) Queries() (udp, tcp int) {
	return int(s.udpQueries.Load()), int(s.tcpQueries.Load())
}

// Anchors returns the DS record (SHA-256) of the root zone's key, the trust
// anchor of a signed server; nil when the server does not sign a root
// zone.
func (s *Server) Anchors() []dns.RR {
	z := s.zones["."]
	if z == nil || z.key == nil {
		return nil
	}
	return []dns.RR{z.key.ToDS(dns.SHA256)}
}

// DNSKEY returns the key that signs zone, nil if the zone is not signed.
func (s *Server) DNSKEY(zone string) *dns.DNSKEY {
	z := s.zones[dns.CanonicalName(zone)]
	if z == nil {
		return nil
	}
	return z.key
}

func (s *Server) start(t testing.TB) {
	t.Helper()
	s.Addr = Serve(t, s)
}

// Serve serves h over UDP and TCP on one random port of 127.0.0.1, until
// the test ends, and returns the address. Any error fails the test.
func Serve(t testing.TB, h dns.Handler) string {
	t.Helper()
	var (
		pc   net.PacketConn
		l    net.Listener
		err  error
		addr string
	)
	for range 20 {
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("dnstest: %v", err)
		}
		addr = pc.LocalAddr().String()
		l, err = net.Listen("tcp", addr)
		if err == nil {
			break
		}
		pc.Close()
	}
	if err != nil {
		t.Fatalf("dnstest: no free port for UDP and TCP: %v", err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	udp := &dns.Server{PacketConn: pc, Handler: h, NotifyStartedFunc: wg.Done}
	tcp := &dns.Server{Listener: l, Handler: h, NotifyStartedFunc: wg.Done,
		ReadTimeout: 10 * time.Second, IdleTimeout: func() time.Duration { return 10 * time.Second }}
	done := make(chan struct{}, 2)
	serve := func(srv *dns.Server) {
		defer func() { done <- struct{}{} }()
		if err := srv.ActivateAndServe(); err != nil {
			t.Logf("dnstest: %v", err)
		}
	}
	go serve(udp)
	go serve(tcp)
	wg.Wait()
	t.Cleanup(func() {
		udp.Shutdown()
		tcp.Shutdown()
		<-done
		<-done
	})
	return addr
}

// drop reports whether the UDP query req is one DropUDP leaves
// unanswered.
func (s *Server) drop(req *dns.Msg) bool {
	if s.cfg.dropUDP == 0 || len(req.Question) != 1 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dropped == nil {
		s.dropped = map[dns.Question]int{}
	}
	q := req.Question[0]
	if s.dropped[q] >= s.cfg.dropUDP {
		return false
	}
	s.dropped[q]++
	return true
}

// ServeDNS answers one query; it makes Server a dns.Handler.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	_, udp := w.RemoteAddr().(*net.UDPAddr)
	if udp {
		s.udpQueries.Add(1)
	} else {
		s.tcpQueries.Add(1)
	}
	if s.cfg.silent || udp && s.drop(req) {
		return
	}
	if s.cfg.garbage {
		junk := []byte{byte(req.Id >> 8), byte(req.Id), 0x81, 0x80, 0xff, 0xff, 0x00, 0x07, 0xde, 0xad, 0xbe, 0xef, 0xc0}
		w.Write(junk)
		return
	}
	resp := new(dns.Msg)
	resp.SetReply(req)
	opt := req.IsEdns0()
	do := opt != nil && opt.Do()
	if len(req.Question) == 1 {
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
		if s.cfg.truncate {
			resp.Truncated = true
			resp.Answer, resp.Ns = nil, nil
			resp.Extra = slices.DeleteFunc(resp.Extra, func(rr dns.RR) bool { return rr.Header().Rrtype != dns.TypeOPT })
		} else {
			resp.Truncate(size)
		}
	}
	if s.cfg.modify != nil {
		s.cfg.modify(req, resp)
	}
	w.WriteMsg(resp)
}

// zone is one zone of the server.
type zone struct {
	origin string
	rrs    map[string]map[uint16][]dns.RR // owner -> type -> RRset
	sigs   map[string]map[uint16][]dns.RR // owner -> covered type -> RRSIGs
	nsec   []string                       // owners in canonical order, when signed
	key    *dns.DNSKEY
	priv   crypto.Signer
}

func (z *zone) add(rr dns.RR) {
	name := dns.CanonicalName(rr.Header().Name)
	rr.Header().Name = name
	if z.rrs[name] == nil {
		z.rrs[name] = map[uint16][]dns.RR{}
	}
	t := rr.Header().Rrtype
	for _, old := range z.rrs[name][t] {
		if dns.IsDuplicate(old, rr) {
			return
		}
	}
	z.rrs[name][t] = append(z.rrs[name][t], rr)
}

// dedent removes the leading whitespace of every line that is not inside
// parentheses, so that zones can be indented in Go source. In zone-file
// syntax a line starting with a blank repeats the previous owner; here
// every record must name its owner.
func dedent(text string) string {
	lines := strings.Split(text, "\n")
	depth := 0
	for i, l := range lines {
		if depth == 0 {
			l = strings.TrimLeft(l, " \t")
			lines[i] = l
		}
		quoted := false
	scan:
		for j := 0; j < len(l); j++ {
			switch c := l[j]; {
			case c == '\\':
				j++
			case c == '"':
				quoted = !quoted
			case quoted:
			case c == ';':
				break scan
			case c == '(':
				depth++
			case c == ')' && depth > 0:
				depth--
			}
		}
	}
	return strings.Join(lines, "\n")
}

func buildZones(text string) (map[string]*zone, error) {
	zp := dns.NewZoneParser(strings.NewReader(dedent(text)), ".", "zone")
	zp.SetDefaultTTL(3600)
	var all []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		all = append(all, rr)
	}
	if err := zp.Err(); err != nil {
		return nil, err
	}
	zones := map[string]*zone{}
	for _, rr := range all {
		if rr.Header().Rrtype == dns.TypeSOA {
			o := dns.CanonicalName(rr.Header().Name)
			zones[o] = &zone{origin: o, rrs: map[string]map[uint16][]dns.RR{}, sigs: map[string]map[uint16][]dns.RR{}}
		}
	}
	if len(zones) == 0 {
		return nil, fmt.Errorf("no SOA record: a zone needs one")
	}
	for _, rr := range all {
		z := closest(zones, dns.CanonicalName(rr.Header().Name))
		if z == nil {
			return nil, fmt.Errorf("%s is in no zone (no SOA above it)", rr.Header().Name)
		}
		z.add(rr)
	}
	// The parent side of a served child zone: copy the child's apex NS
	// set into the parent as its delegation.
	for o, z := range zones {
		if o == "." {
			continue
		}
		p := closest(zones, parentName(o))
		if p == nil || p.rrs[o][dns.TypeNS] != nil {
			continue
		}
		for _, ns := range z.rrs[o][dns.TypeNS] {
			p.add(dns.Copy(ns))
		}
	}
	return zones, nil
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
func closest(zones map[string]*zone, name string) *zone {
	for n := name; ; n = parentName(n) {
		if z := zones[n]; z != nil {
			return z
		}
		if n == "." {
			return nil
		}
	}
}

// cut returns the highest delegation point (a name with NS other than the
// apex) at or above name within z, or "".
func (z *zone) cut(name string) string {
	var found string
	for n := name; n != z.origin && dns.IsSubDomain(z.origin, n); n = parentName(n) {
		if z.rrs[n][dns.TypeNS] != nil {
			found = n
		}
		if n == "." {
			break
		}
	}
	return found
}

func (s *Server) signAll() error {
	for o, z := range s.zones {
		if s.cfg.unsigned[o] {
			continue
		}
		alg, ok := s.cfg.algs[o]
		if !ok {
			alg = dns.ECDSAP256SHA256
		}
		key, priv, err := newKey(o, alg)
		if err != nil {
			return fmt.Errorf("key for %s: %v", o, err)
		}
		z.key, z.priv = key, priv
		z.add(key)
	}
	for o, z := range s.zones {
		if o == "." || z.key == nil {
			continue
		}
		p := closest(s.zones, parentName(o))
		if p == nil || p.rrs[o][dns.TypeDS] != nil {
			continue
		}
		key := z.key
		if s.cfg.wrongDS[o] {
			other, _, err := newKey(o, key.Algorithm)
			if err != nil {
				return err
			}
			key = other
		}
		p.add(key.ToDS(dns.SHA256))
	}
	for o, z := range s.zones {
		if z.key == nil {
			continue
		}
		inception, expiration := s.cfg.now.Add(-time.Hour), s.cfg.now.Add(30*24*time.Hour)
		if s.cfg.expired[o] {
			inception, expiration = s.cfg.now.Add(-60*24*time.Hour), s.cfg.now.Add(-24*time.Hour)
		}
		if err := z.sign(inception, expiration, s.cfg.broken[o]); err != nil {
			return fmt.Errorf("signing %s: %v", o, err)
		}
	}
	return nil
}

func newKey(owner string, alg uint8) (*dns.DNSKEY, crypto.Signer, error) {
	k := &dns.DNSKEY{
		Hdr:       dns.RR_Header{Name: owner, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags:     dns.ZONE | dns.SEP,
		Protocol:  3,
		Algorithm: alg,
	}
	bits := 2048
	switch alg {
	case dns.RSASHA1, dns.RSASHA1NSEC3SHA1:
		bits = 1024
	case dns.ECDSAP256SHA256, dns.ED25519:
		bits = 256
	case dns.ECDSAP384SHA384:
		bits = 384
	}
	priv, err := k.Generate(bits)
	if err != nil {
		return nil, nil, err
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return nil, nil, fmt.Errorf("algorithm %d: key is not a crypto.Signer", alg)
	}
	return k, signer, nil
}

// sign adds the NSEC chain (RFC 4034 section 4) and an RRSIG over every
// authoritative RRset of z; delegation NS sets and glue stay unsigned
// (RFC 4035 section 2.2).
func (z *zone) sign(inception, expiration time.Time, broken bool) error {
	var names []string
	for n := range z.rrs {
		if c := z.cut(n); c != "" && c != n {
			continue // glue below a delegation
		}
		names = append(names, n)
	}
	slices.SortFunc(names, compareNames)
	z.nsec = names
	for i, n := range names {
		types := []uint16{dns.TypeNSEC, dns.TypeRRSIG}
		for t := range z.rrs[n] {
			types = append(types, t)
		}
		slices.Sort(types)
		z.add(&dns.NSEC{
			Hdr:        dns.RR_Header{Name: n, Rrtype: dns.TypeNSEC, Class: dns.ClassINET, Ttl: z.minimum()},
			NextDomain: names[(i+1)%len(names)],
			TypeBitMap: types,
		})
	}
	for _, n := range names {
		delegation := z.cut(n) == n
		for t, set := range z.rrs[n] {
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
			if broken {
				b, _ := base64.StdEncoding.DecodeString(sig.Signature)
				b[len(b)/2] ^= 0x55
				sig.Signature = base64.StdEncoding.EncodeToString(b)
			}
			if z.sigs[n] == nil {
				z.sigs[n] = map[uint16][]dns.RR{}
			}
			z.sigs[n][t] = append(z.sigs[n][t], sig)
		}
	}
	return nil
}

func (z *zone) minimum() uint32 {
	if soa := z.rrs[z.origin][dns.TypeSOA]; len(soa) > 0 {
		return soa[0].(*dns.SOA).Minttl
	}
	return 3600
}

// compareNames orders names canonically (RFC 4034 section 6.1): label by
// label from the root, each compared as lower-case bytes.
func compareNames(a, b string) int {
	la, lb := dns.SplitDomainName(a), dns.SplitDomainName(b)
	for i := 1; i <= len(la) && i <= len(lb); i++ {
		if c := bytes.Compare([]byte(strings.ToLower(la[len(la)-i])), []byte(strings.ToLower(lb[len(lb)-i]))); c != 0 {
			return c
		}
	}
	return len(la) - len(lb)
}

// zoneFor returns the zone that answers qname/qtype: the closest enclosing
// zone, except for a DS at a zone apex, answered by the parent zone (RFC
// 4035 section 3.1.4.1).
func (s *Server) zoneFor(qname string, qtype uint16) *zone {
	z := closest(s.zones, qname)
	if z != nil && qtype == dns.TypeDS && z.origin == qname && qname != "." {
		if p := closest(s.zones, parentName(qname)); p != nil {
			return p
		}
	}
	return z
}

func (s *Server) answer(resp *dns.Msg, qname string, qtype uint16, do bool) {
	z := s.zoneFor(qname, qtype)
	if z == nil {
		resp.Rcode = dns.RcodeRefused
		return
	}
	resp.Authoritative = true
	name := qname
	for hop := 0; hop < 8; hop++ {
		if c := z.cut(name); c != "" && (qtype != dns.TypeDS || c != name) {
			s.referral(resp, z, c, do, hop == 0)
			return
		}
		sets := z.rrs[name]
		if sets == nil {
			if z.hasBelow(name) {
				z.nodata(resp, name, do) // empty non-terminal
				return
			}
			if hop == 0 {
				resp.Rcode = dns.RcodeNameError
			}
			z.nxdomain(resp, name, do)
			return
		}
		if set := sets[qtype]; set != nil {
			resp.Answer = append(resp.Answer, z.withSigs(name, qtype, do)...)
			return
		}
		if cname := sets[dns.TypeCNAME]; cname != nil && qtype != dns.TypeCNAME {
			resp.Answer = append(resp.Answer, z.withSigs(name, dns.TypeCNAME, do)...)
			target := dns.CanonicalName(cname[0].(*dns.CNAME).Target)
			if !dns.IsSubDomain(z.origin, target) || slices.ContainsFunc(resp.Answer[:len(resp.Answer)-1], func(rr dns.RR) bool { return rr.Header().Name == target }) {
				return
			}
			name = target
			continue
		}
		z.nodata(resp, name, do)
		return
	}
}

func (z *zone) withSigs(name string, t uint16, do bool) []dns.RR {
	out := slices.Clone(z.rrs[name][t])
	if do {
		out = append(out, z.sigs[name][t]...)
	}
	return out
}

func (z *zone) hasBelow(name string) bool {
	for n := range z.rrs {
		if n != name && dns.IsSubDomain(name, n) {
			return true
		}
	}
	return false
}

func (z *zone) soa(resp *dns.Msg, do bool) {
	resp.Ns = append(resp.Ns, z.withSigs(z.origin, dns.TypeSOA, do)...)
}

func (z *zone) nodata(resp *dns.Msg, name string, do bool) {
	z.soa(resp, do)
	if !do || z.key == nil {
		return
	}
	if z.rrs[name][dns.TypeNSEC] != nil {
		resp.Ns = append(resp.Ns, z.withSigs(name, dns.TypeNSEC, do)...)
		return
	}
	z.covering(resp, name) // empty non-terminal (RFC 4035 section 3.1.3.2)
}

func (z *zone) nxdomain(resp *dns.Msg, name string, do bool) {
	z.soa(resp, do)
	if !do || z.key == nil {
		return
	}
	z.covering(resp, name)
	// The closest encloser, and the NSEC that proves no wildcard below
	// it (RFC 4035 section 3.1.3.2).
	ce := parentName(name)
	for ce != z.origin && z.rrs[ce] == nil && !z.hasBelow(ce) {
		ce = parentName(ce)
	}
	z.covering(resp, "*."+ce)
}

// covering adds the NSEC record whose interval holds name, once.
func (z *zone) covering(resp *dns.Msg, name string) {
	if len(z.nsec) == 0 {
		return
	}
	i, _ := slices.BinarySearchFunc(z.nsec, name, compareNames)
	owner := z.nsec[(i-1+len(z.nsec))%len(z.nsec)]
	if i < len(z.nsec) && z.nsec[i] == name {
		owner = name
	}
	for _, rr := range resp.Ns {
		if rr.Header().Rrtype == dns.TypeNSEC && rr.Header().Name == owner {
			return
		}
	}
	resp.Ns = append(resp.Ns, z.withSigs(owner, dns.TypeNSEC, true)...)
}

// referral answers for a name below the delegation point cut: the NS set,
// the DS set or the proof that there is none, and glue (RFC 4035 section
// 3.1.4).
func (s *Server) referral(resp *dns.Msg, z *zone, cut string, do, first bool) {
	if first {
		resp.Authoritative = false
	}
	resp.Ns = append(resp.Ns, z.rrs[cut][dns.TypeNS]...)
	if do && z.key != nil {
		if z.rrs[cut][dns.TypeDS] != nil {
			resp.Ns = append(resp.Ns, z.withSigs(cut, dns.TypeDS, true)...)
		} else {
			resp.Ns = append(resp.Ns, z.withSigs(cut, dns.TypeNSEC, true)...)
		}
	}
	for _, rr := range z.rrs[cut][dns.TypeNS] {
		target := dns.CanonicalName(rr.(*dns.NS).Ns)
		resp.Extra = append(resp.Extra, z.rrs[target][dns.TypeA]...)
		resp.Extra = append(resp.Extra, z.rrs[target][dns.TypeAAAA]...)
	}
}
