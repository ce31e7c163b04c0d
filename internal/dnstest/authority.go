package dnstest

import (
	"context"
	"crypto"
	"encoding/base64"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/dnsname"
)

// Authority is an authoritative name server's data and behaviour: its
// zones, signed or not, and the misbehaviours asked for. It is a
// dns.Handler, safe for concurrent use once built; Listen or Serve put it
// on the network.
type Authority struct {
	cfg   config
	zones map[string]*zone // by canonical origin

	udpQueries atomic.Int64
	tcpQueries atomic.Int64

	mu      sync.Mutex
	dropped map[dns.Question]int // UDP queries left unanswered, per question
}

// Option changes how NewAuthority builds the zones or how the authority
// answers.
type Option func(*config)

type config struct {
	sign     bool
	algs     map[string]uint8
	bits     map[string]int
	unsigned map[string]bool
	expired  map[string]bool
	broken   map[string]bool
	wrongDS  map[string]bool
	silent   bool
	garbage  bool
	truncate bool
	dropUDP  int
	modify   func(req, resp *dns.Msg)
	// unanswered: see Unanswered.
	unanswered func(q dns.Question) bool
	now        time.Time
	validity   time.Duration
	keyTrap    map[string]keyTrap
}

// Signed signs every zone: one key per zone (a combined signing key,
// flags 257, ECDSA P-256 SHA-256, algorithm 13, unless Algorithm says
// otherwise), its DNSKEY at the apex, an NSEC chain, an RRSIG over every
// authoritative RRset, and a DS (SHA-256) at the child's name in its
// parent zone when the parent is served too. The DS of the root zone's key
// is the trust anchor: Authority.Anchors.
func Signed() Option { return func(c *config) { c.sign = true } }

// Algorithm signs zone with the given DNSSEC algorithm (dns.RSASHA1,
// dns.RSASHA256, dns.ED25519...) instead of ECDSA P-256. It implies Signed.
// RSA keys are 1024 bits for RSASHA1 and RSASHA1-NSEC3-SHA1, 2048 bits
// otherwise, and slow to make: the zones of one authority signed with the
// same RSA algorithm share one key.
func Algorithm(zone string, alg uint8) Option {
	return func(c *config) {
		c.sign = true
		c.algs[dns.CanonicalName(zone)] = alg
	}
}

// KeySize makes the key of zone bits long when its algorithm is RSA (see
// Algorithm); other algorithms have the size they define.
func KeySize(zone string, bits int) Option {
	return func(c *config) { c.bits[dns.CanonicalName(zone)] = bits }
}

// Unsigned leaves zone unsigned, and without a DS in its parent, when the
// zones are signed.
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
// hour before it to 30 days after it (see Validity). The default is the
// time NewAuthority runs.
func SigningTime(t time.Time) Option { return func(c *config) { c.now = t } }

// Validity makes signatures valid for d after the signing time instead of
// 30 days: a lab that runs for weeks asks for more.
func Validity(d time.Duration) Option { return func(c *config) { c.validity = d } }

// Silent makes the authority read queries and never answer them.
func Silent() Option { return func(c *config) { c.silent = true } }

// Garbage makes the authority answer every query with bytes that start
// with the query's ID and are not a DNS message.
func Garbage() Option { return func(c *config) { c.garbage = true } }

// Truncated makes every UDP answer empty with the TC bit set, so that
// clients must retry over TCP, where the full answer is given.
func Truncated() Option { return func(c *config) { c.truncate = true } }

// DropUDP makes the authority leave unanswered the first n UDP queries of
// each question, as if the datagrams were lost: a client gets its answer
// only by sending the query again (or over TCP).
func DropUDP(n int) Option { return func(c *config) { c.dropUDP = n } }

// Unanswered leaves the queries for which f returns true without an
// answer, over UDP and TCP: a server that times out on some questions.
func Unanswered(f func(q dns.Question) bool) Option {
	return func(c *config) { c.unanswered = f }
}

// Modify lets the test change each response before it is sent (a wrong
// question, a wrong rcode, extra records...).
func Modify(f func(req, resp *dns.Msg)) Option { return func(c *config) { c.modify = f } }

// ParseZones reads records in zone-file syntax with absolute names, as an
// operator writes them. Leading whitespace is ignored, so that zones can
// be indented in Go source, and every record line must name its owner.
// The default TTL is 3600.
func ParseZones(text string) ([]dns.RR, error) {
	zp := dns.NewZoneParser(strings.NewReader(dedent(text)), ".", "zone")
	zp.SetDefaultTTL(3600)
	var all []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		all = append(all, rr)
	}
	if err := zp.Err(); err != nil {
		return nil, err
	}
	return all, nil
}

// dedent removes the leading whitespace of every line that is not inside
// parentheses. In zone-file syntax a line starting with a blank repeats
// the previous owner; here every record must name its owner.
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

// NewAuthority builds the zones that records hold (one per SOA record;
// every record belongs to the closest enclosing zone), adds to each parent
// the NS set of its served children where the parent has none, and signs
// the zones if asked, on every CPU, until ctx ends.
func NewAuthority(ctx context.Context, records []dns.RR, opts ...Option) (*Authority, error) {
	cfg := config{
		algs:     map[string]uint8{},
		bits:     map[string]int{},
		unsigned: map[string]bool{},
		expired:  map[string]bool{},
		broken:   map[string]bool{},
		wrongDS:  map[string]bool{},
		validity: 30 * 24 * time.Hour,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.now.IsZero() {
		cfg.now = time.Now()
	}
	a := &Authority{cfg: cfg, zones: map[string]*zone{}}
	for _, rr := range records {
		if rr.Header().Rrtype == dns.TypeSOA {
			o := dns.CanonicalName(rr.Header().Name)
			a.zones[o] = newZone(o)
		}
	}
	if len(a.zones) == 0 {
		return nil, fmt.Errorf("dnstest: no SOA record: a zone needs one")
	}
	for _, rr := range records {
		z := a.closest(dns.CanonicalName(rr.Header().Name))
		if z == nil {
			return nil, fmt.Errorf("dnstest: %s is in no zone (no SOA above it)", rr.Header().Name)
		}
		z.add(rr)
	}
	// The parent side of a served child zone: the child's apex NS set
	// as its delegation.
	for o, z := range a.zones {
		if o == "." {
			continue
		}
		p := a.closest(parentName(o))
		if p == nil || p.set(o, dns.TypeNS) != nil {
			continue
		}
		for _, ns := range z.set(o, dns.TypeNS) {
			p.add(dns.Copy(ns))
		}
	}
	if cfg.sign {
		if err := a.keys(); err != nil {
			return nil, err
		}
	}
	for _, z := range a.zones {
		z.finish()
	}
	if cfg.sign {
		if err := a.signAll(ctx); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Queries returns how many queries the authority received over UDP and
// over TCP.
func (a *Authority) Queries() (udp, tcp int) {
	return int(a.udpQueries.Load()), int(a.tcpQueries.Load())
}

// Anchors returns the DS record (SHA-256) of the root zone's key, the trust
// anchor of a signed authority; nil when it does not sign a root zone.
func (a *Authority) Anchors() []dns.RR {
	z := a.zones["."]
	if z == nil || z.key == nil {
		return nil
	}
	return []dns.RR{z.key.ToDS(dns.SHA256)}
}

// DNSKEY returns the key that signs zone, nil if the zone is not signed.
func (a *Authority) DNSKEY(zone string) *dns.DNSKEY {
	z := a.zones[dns.CanonicalName(zone)]
	if z == nil {
		return nil
	}
	return z.key
}

// zone is one zone. Its records are in one map, not a map per owner: a
// lab's tens of thousands of zones must fit in little memory.
type zone struct {
	origin string
	sets   map[rrKey][]dns.RR  // RRsets and the RRSIGs over them
	types  map[string][]uint16 // owner -> types it has
	ent    map[string]bool     // empty non-terminals; nil when none
	nsec   []string            // owners in canonical order, when signed
	key    *dns.DNSKEY
	priv   crypto.Signer // until the zone is signed
	// trapSigs is how many failing RRSIGs precede each good one
	// (KeyTrap).
	trapSigs int
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

// add adds rr, with its owner name made canonical, unless the zone has
// it already.
func (z *zone) add(rr dns.RR) {
	name := dns.CanonicalName(rr.Header().Name)
	rr.Header().Name = name
	k := rrKey{name: name, t: rr.Header().Rrtype}
	set := z.sets[k]
	if set == nil {
		z.types[name] = append(z.types[name], k.t)
	}
	for _, old := range set {
		if dns.IsDuplicate(old, rr) {
			return
		}
	}
	z.sets[k] = append(set, rr)
}

// set returns the RRset of name and type t.
func (z *zone) set(name string, t uint16) []dns.RR { return z.sets[rrKey{name: name, t: t}] }

// finish records the empty non-terminals of z: names between the apex and
// an owner that own nothing themselves.
func (z *zone) finish() {
	for n := range z.types {
		for p := parentName(n); p != z.origin && dns.IsSubDomain(z.origin, p); p = parentName(p) {
			if z.types[p] != nil || z.ent[p] {
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
func (a *Authority) closest(name string) *zone {
	for n := name; ; n = parentName(n) {
		if z := a.zones[n]; z != nil {
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
		if z.set(n, dns.TypeNS) != nil {
			found = n
		}
		if n == "." {
			break
		}
	}
	return found
}

// keys gives every zone to sign its key, and each child its DS in its
// parent.
func (a *Authority) keys() error {
	shared := map[keyKind]sharedKey{}
	for o, z := range a.zones {
		if a.cfg.unsigned[o] {
			continue
		}
		alg, ok := a.cfg.algs[o]
		if !ok {
			alg = dns.ECDSAP256SHA256
		}
		key, priv, err := newKey(o, alg, a.cfg.bits[o], shared)
		if err != nil {
			return fmt.Errorf("dnstest: key for %s: %v", o, err)
		}
		z.key, z.priv = key, priv
		z.add(key)
		if kt, ok := a.cfg.keyTrap[o]; ok {
			z.trapSigs = kt.sigs
			colliding, err := CollidingKeys(key, kt.keys)
			if err != nil {
				return err
			}
			for _, c := range colliding {
				z.add(c)
			}
		}
	}
	for o, z := range a.zones {
		if o == "." || z.key == nil {
			continue
		}
		p := a.closest(parentName(o))
		if p == nil || p.set(o, dns.TypeDS) != nil {
			continue
		}
		key := z.key
		if a.cfg.wrongDS[o] {
			other, _, err := newKey(o, key.Algorithm, a.cfg.bits[o], nil)
			if err != nil {
				return fmt.Errorf("dnstest: key for %s: %v", o, err)
			}
			key = other
		}
		p.add(key.ToDS(dns.SHA256))
	}
	return nil
}

// keyKind is the algorithm and size of an RSA key.
type keyKind struct {
	alg  uint8
	bits int
}

// sharedKey is an RSA key that several zones use.
type sharedKey struct {
	public string // the DNSKEY's public key field
	priv   crypto.Signer
}

// newKey makes a combined signing key (flags 257) for owner, of rsaBits
// when alg is RSA and rsaBits is not 0. RSA keys are taken from shared, or
// made and kept there, unless shared is nil.
func newKey(owner string, alg uint8, rsaBits int, shared map[keyKind]sharedKey) (*dns.DNSKEY, crypto.Signer, error) {
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
	rsa := alg == dns.RSASHA1 || alg == dns.RSASHA1NSEC3SHA1 || alg == dns.RSASHA256 || alg == dns.RSASHA512
	if rsa && rsaBits != 0 {
		bits = rsaBits
	}
	kind := keyKind{alg, bits}
	if sk, ok := shared[kind]; rsa && ok {
		k.PublicKey = sk.public
		return k, sk.priv, nil
	}
	for {
		priv, err := k.Generate(bits)
		if err != nil {
			return nil, nil, err
		}
		signer, ok := priv.(crypto.Signer)
		if !ok {
			return nil, nil, fmt.Errorf("algorithm %d: key is not a crypto.Signer", alg)
		}
		// miekg/dns refuses to sign with key tag 0, one key in
		// 65,536: draw another.
		if k.KeyTag() == 0 {
			continue
		}
		if rsa && shared != nil {
			shared[kind] = sharedKey{public: k.PublicKey, priv: signer}
		}
		return k, signer, nil
	}
}

// signAll signs every zone that has a key, on every CPU.
func (a *Authority) signAll(ctx context.Context) error {
	now := a.cfg.now
	work := make(chan *zone)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for z := range work {
				inception, expiration := now.Add(-time.Hour), now.Add(a.cfg.validity)
				if a.cfg.expired[z.origin] {
					inception, expiration = now.Add(-60*24*time.Hour), now.Add(-24*time.Hour)
				}
				if err := z.sign(inception, expiration, a.cfg.broken[z.origin]); err != nil {
					select {
					case errs <- fmt.Errorf("dnstest: signing %s: %v", z.origin, err):
					default:
					}
				}
			}
		})
	}
feed:
	for _, z := range a.zones {
		if z.key == nil {
			continue
		}
		select {
		case work <- z:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// sign adds the NSEC chain (RFC 4034 section 4) and an RRSIG over every
// authoritative RRset of z; delegation NS sets and glue stay unsigned
// (RFC 4035 section 2.2).
func (z *zone) sign(inception, expiration time.Time, broken bool) error {
	var names []string
	for n := range z.types {
		if c := z.cut(n); c != "" && c != n {
			continue // glue below a delegation
		}
		names = append(names, n)
	}
	slices.SortFunc(names, dnsname.Compare)
	z.nsec = names
	for i, n := range names {
		types := append([]uint16{dns.TypeNSEC, dns.TypeRRSIG}, z.types[n]...)
		slices.Sort(types)
		z.add(&dns.NSEC{
			Hdr:        dns.RR_Header{Name: n, Rrtype: dns.TypeNSEC, Class: dns.ClassINET, Ttl: z.minimum()},
			NextDomain: names[(i+1)%len(names)],
			TypeBitMap: types,
		})
	}
	for _, n := range names {
		delegation := z.cut(n) == n
		for _, t := range z.types[n] {
			if delegation && t != dns.TypeDS && t != dns.TypeNSEC {
				continue
			}
			set := z.set(n, t)
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
			k := rrKey{name: n, t: t, sig: true}
			z.sets[k] = append(z.sets[k], failingSigs(sig, z.trapSigs)...)
			z.sets[k] = append(z.sets[k], sig)
		}
	}
	z.priv = nil // signed once for the life of the authority
	return nil
}

func (z *zone) minimum() uint32 {
	if soa := z.set(z.origin, dns.TypeSOA); len(soa) > 0 {
		return soa[0].(*dns.SOA).Minttl
	}
	return 3600
}
