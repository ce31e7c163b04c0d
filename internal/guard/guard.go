// Package guard decides which addresses and names vigie may reach.
//
// vigie audits domains that its operator does not control: anyone can buy
// a commune's lapsed domain, and anyone can type a domain on a public
// page. Such a domain must not turn vigie against the network it runs in.
// Every connection a probe opens goes through a Guard, which checks the
// address actually dialled, at connect time (net.Dialer's ControlContext),
// not the name: DNS rebinding, redirects to IP literals and MX hosts that
// point inside are all caught there, whatever the DNS said before.
//
// Refused by default: the addresses that are not on the public internet
// (loopback, RFC 1918, CGNAT, link-local, unique local, multicast, the
// reserved, documentation and benchmarking ranges, 0.0.0.0/8) and the IPv4
// embedded in IPv4-mapped, IPv4-compatible, NAT64, 6to4 and Teredo
// addresses, judged as if dialled directly. A Policy may allow ranges by
// name (--allow-private), for labs and tests.
//
// The package also refuses special-use names as targets (CheckName):
// "localhost", ".local", ".internal", ".home.arpa" and the like.
//
// The DNS resolver (--resolver, or the system's) is the operator's own
// choice, often on loopback: the DNS probe's queries to it are not
// guarded. Nothing else is exempt.
//
// It does no I/O of its own beyond the dial it guards, and holds no
// global state: a Policy is a value, a Guard records the refusals of one
// audit.
package guard

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"syscall"

	"vigie.eu/vigie/internal/audit"
)

// Reason says why an address is refused. Its values are published in
// the observations: append-only.
type Reason string

// The reasons for refusing an address.
const (
	Unspecified   Reason = "unspecified"   // 0.0.0.0/8, ::/128
	Loopback      Reason = "loopback"      // 127.0.0.0/8, ::1
	Private       Reason = "private"       // RFC 1918
	Shared        Reason = "shared"        // 100.64.0.0/10, RFC 6598 (CGNAT)
	LinkLocal     Reason = "link-local"    // 169.254.0.0/16, fe80::/10
	UniqueLocal   Reason = "unique-local"  // fc00::/7, RFC 4193
	SiteLocal     Reason = "site-local"    // fec0::/10, deprecated by RFC 3879
	Multicast     Reason = "multicast"     // 224.0.0.0/4, ff00::/8
	Documentation Reason = "documentation" // RFC 5737, RFC 3849, RFC 9637
	Benchmarking  Reason = "benchmarking"  // 198.18.0.0/15, 2001:2::/48
	Reserved      Reason = "reserved"      // 240.0.0.0/4, IETF assignments, unallocated IPv6
	Broadcast     Reason = "broadcast"     // 255.255.255.255
	LocalNAT64    Reason = "local-nat64"   // 64:ff9b:1::/48, RFC 8215
	Discard       Reason = "discard"       // 100::/64, RFC 6666
	BadPort       Reason = "port"          // a redirect to a port other than 80, 443 or the start URL's
	Invalid       Reason = "invalid"       // not an IP address
	SpecialName   Reason = "special-use"   // a special-use domain name
)

// Text returns the reason in French ("fr") or English (any other lang).
func (r Reason) Text(lang string) string {
	if lang != "fr" {
		lang = "en"
	}
	return audit.Refusal{Reason: string(r)}.ReasonText(lang)
}

// ranges are the IPv4 and IPv6 ranges refused by default, most specific
// first where they overlap. The IPv6 forms that embed an IPv4 address are
// not here: see embedded.
var ranges = []struct {
	prefix netip.Prefix
	reason Reason
}{
	// IPv4: RFC 6890 and the IANA special-purpose registry.
	{netip.MustParsePrefix("0.0.0.0/8"), Unspecified},
	{netip.MustParsePrefix("10.0.0.0/8"), Private},
	{netip.MustParsePrefix("100.64.0.0/10"), Shared},
	{netip.MustParsePrefix("127.0.0.0/8"), Loopback},
	{netip.MustParsePrefix("169.254.0.0/16"), LinkLocal},
	{netip.MustParsePrefix("172.16.0.0/12"), Private},
	{netip.MustParsePrefix("192.0.0.0/24"), Reserved}, // IETF protocol assignments
	{netip.MustParsePrefix("192.0.2.0/24"), Documentation},
	{netip.MustParsePrefix("192.88.99.0/24"), Reserved}, // 6to4 relay anycast, deprecated (RFC 7526)
	{netip.MustParsePrefix("192.168.0.0/16"), Private},
	{netip.MustParsePrefix("198.18.0.0/15"), Benchmarking},
	{netip.MustParsePrefix("198.51.100.0/24"), Documentation},
	{netip.MustParsePrefix("203.0.113.0/24"), Documentation},
	{netip.MustParsePrefix("224.0.0.0/4"), Multicast},
	{netip.MustParsePrefix("255.255.255.255/32"), Broadcast},
	{netip.MustParsePrefix("240.0.0.0/4"), Reserved},
	// IPv6.
	{netip.MustParsePrefix("::/128"), Unspecified},
	{netip.MustParsePrefix("::1/128"), Loopback},
	{netip.MustParsePrefix("64:ff9b:1::/48"), LocalNAT64},
	{netip.MustParsePrefix("100::/64"), Discard},
	{netip.MustParsePrefix("2001:2::/48"), Benchmarking},
	{netip.MustParsePrefix("2001:db8::/32"), Documentation},
	{netip.MustParsePrefix("3fff::/20"), Documentation},
	{netip.MustParsePrefix("fc00::/7"), UniqueLocal},
	{netip.MustParsePrefix("fe80::/10"), LinkLocal},
	{netip.MustParsePrefix("fec0::/10"), SiteLocal},
	{netip.MustParsePrefix("ff00::/8"), Multicast},
	{netip.MustParsePrefix("2001:10::/28"), Reserved}, // ORCHID, deprecated
	{netip.MustParsePrefix("2001:20::/28"), Reserved}, // ORCHIDv2, not routable
	{netip.MustParsePrefix("5f00::/16"), Reserved},    // SRv6 SIDs, RFC 9602
}

// globalUnicast is the only IPv6 space allocated for the public
// internet (RFC 4291 section 2.4; IANA).
var globalUnicast = netip.MustParsePrefix("2000::/3")

// IPv6 forms that carry an IPv4 address.
var (
	ipv4Compatible = netip.MustParsePrefix("::/96")         // RFC 4291 section 2.5.5.1, deprecated
	ipv4Mapped     = netip.MustParsePrefix("::ffff:0:0/96") // RFC 4291 section 2.5.5.2
	nat64          = netip.MustParsePrefix("64:ff9b::/96")  // RFC 6052
	sixToFour      = netip.MustParsePrefix("2002::/16")     // RFC 3056
	teredo         = netip.MustParsePrefix("2001::/32")     // RFC 4380
)

// Policy says which addresses and names may be reached. The zero value,
// and a nil *Policy, refuse every range listed in the package
// documentation.
type Policy struct {
	allow []netip.Prefix
}

// NewPolicy returns a policy that also allows the addresses of allow (the
// --allow-private ranges of a lab).
func NewPolicy(allow ...netip.Prefix) *Policy {
	p := &Policy{}
	for _, a := range allow {
		p.allow = append(p.allow, a.Masked())
	}
	return p
}

// Allowed returns the ranges the policy allows beyond the public internet.
func (p *Policy) Allowed() []netip.Prefix {
	if p == nil {
		return nil
	}
	return slices.Clone(p.allow)
}

// allowed reports whether a is in one of the allowed ranges.
func (p *Policy) allowed(a netip.Addr) bool {
	if p == nil {
		return false
	}
	for _, pr := range p.allow {
		if pr.Contains(a) {
			return true
		}
	}
	return false
}

// Check reports why a may not be connected to, or "" when it may.
func (p *Policy) Check(a netip.Addr) Reason {
	if !a.IsValid() {
		return Invalid
	}
	a = a.WithZone("")
	if a.Is4In6() {
		// An IPv4-mapped address reaches the IPv4 host itself.
		a = a.Unmap()
	}
	if p.allowed(a) {
		return ""
	}
	for _, r := range ranges {
		if r.prefix.Contains(a) {
			return r.reason
		}
	}
	if a.Is4() {
		return ""
	}
	if v4, ok := embedded(a); ok {
		// Judged as the IPv4 address it leads to, so that
		// 64:ff9b::a9fe:a9fe is refused like 169.254.169.254.
		return p.Check(v4)
	}
	if !globalUnicast.Contains(a) {
		return Reserved
	}
	return ""
}

// embedded returns the IPv4 address carried by an IPv4-compatible,
// NAT64, 6to4 or Teredo address.
func embedded(a netip.Addr) (netip.Addr, bool) {
	b := a.As16()
	switch {
	case ipv4Compatible.Contains(a), nat64.Contains(a):
		// The last 32 bits (RFC 4291 section 2.5.5.1; RFC 6052
		// section 2.2, /96 prefix).
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(a):
		// 2002:V4ADDR::/48 (RFC 3056 section 2).
		return netip.AddrFrom4([4]byte(b[2:6])), true
	case teredo.Contains(a):
		// The client's address, where the packets end, obscured by
		// inverting its bits (RFC 4380 section 4).
		var v4 [4]byte
		for i := range v4 {
			v4[i] = b[12+i] ^ 0xff
		}
		return netip.AddrFrom4(v4), true
	}
	return netip.Addr{}, false
}

// RefusedError is the error of a connection the guard refused.
type RefusedError struct {
	// Address is the address and port, or the host and port, refused.
	Address string
	Reason  Reason
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("guard: address refused: %s (%s)", e.Address, e.Reason.Text("en"))
}

// Guard applies a Policy to the connections of one audit and records what
// it refused. A nil *Guard applies the default policy and records
// nothing. It is safe for concurrent use.
type Guard struct {
	policy *Policy
	limit  *ConnLimit

	mu      sync.Mutex
	refused []audit.Refusal
	// dials counts the connections the guard let through, by address
	// and port.
	dials map[netip.AddrPort]int
}

// New returns a guard that applies p (nil: the default policy).
func New(p *Policy) *Guard {
	return &Guard{policy: p}
}

// Policy returns the policy the guard applies.
func (g *Guard) Policy() *Policy {
	if g == nil {
		return nil
	}
	return g.policy
}

// CheckAddrPort returns a *RefusedError when ap may not be connected to,
// and records it.
func (g *Guard) CheckAddrPort(ap netip.AddrPort) error {
	r := g.Policy().Check(ap.Addr())
	if r == "" {
		return nil
	}
	return g.Refuse(ap.String(), r)
}

// Refuse records a refusal of address ("ip:port" or "host:port") decided
// elsewhere, such as a redirect to a port that is not allowed, and
// returns its error.
func (g *Guard) Refuse(address string, r Reason) error {
	g.record(audit.Refusal{Address: address, Reason: string(r)})
	return &RefusedError{Address: address, Reason: r}
}

func (g *Guard) record(r audit.Refusal) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if !slices.Contains(g.refused, r) {
		g.refused = append(g.refused, r)
	}
}

// Refusals returns what the guard refused, each once, sorted.
func (g *Guard) Refusals() []audit.Refusal {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	rs := slices.Clone(g.refused)
	slices.SortFunc(rs, func(a, b audit.Refusal) int { return strings.Compare(a.Address, b.Address) })
	return rs
}

// control is a net.Dialer ControlContext: it runs after the address is
// chosen and before the connection is made, so it sees the address that
// is actually dialled.
func (g *Guard) control(_ context.Context, network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &RefusedError{Address: address, Reason: Invalid}
	}
	if err := g.CheckAddrPort(ap); err != nil {
		return err
	}
	if strings.HasPrefix(network, "tcp") {
		g.count(ap)
	}
	return nil
}

// count records one connection to ap.
func (g *Guard) count(ap netip.AddrPort) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dials == nil {
		g.dials = map[netip.AddrPort]int{}
	}
	g.dials[netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())]++
}

// Connections returns how many connections the guard let through to
// each address and port, sorted by address: what an audit cost the
// servers it audited.
func (g *Guard) Connections() []audit.Connections {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	cs := make([]audit.Connections, 0, len(g.dials))
	for ap, n := range g.dials {
		cs = append(cs, audit.Connections{Address: ap.String(), Count: n})
	}
	slices.SortFunc(cs, func(a, b audit.Connections) int {
		pa, _ := netip.ParseAddrPort(a.Address)
		pb, _ := netip.ParseAddrPort(b.Address)
		return pa.Compare(pb)
	})
	return cs
}

// Dialer returns a net.Dialer whose every connection the guard checks.
func (g *Guard) Dialer() *net.Dialer {
	return &net.Dialer{ControlContext: g.control}
}

// DialContext connects to address through the guard; address must be an
// IP literal and a port, or a name that the system resolves (the guard
// then checks each address tried).
func (g *Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if ap, err := netip.ParseAddrPort(address); err == nil {
		return g.DialIP(ctx, g.Dialer(), network, ap)
	}
	return g.Dialer().DialContext(ctx, network, address)
}

// LoopbackRange is 127.0.0.0/8, where labs and tests run their servers.
var LoopbackRange = netip.MustParsePrefix("127.0.0.0/8")

// LabPolicy returns a policy that allows the loopback ranges
// (127.0.0.0/8 and ::1) besides the public internet, for tests and labs
// on this machine.
func LabPolicy() *Policy {
	return NewPolicy(LoopbackRange, netip.MustParsePrefix("::1/128"))
}

// ForLab returns a guard that applies LabPolicy.
func ForLab() *Guard {
	return New(LabPolicy())
}

// ConnLimit caps the connections open at once to each address, across
// every guard that shares it: the audits of one campaign share one, so
// that a mail relay or a hosting address used by thousands of audited
// domains never receives more than its cap at once, whatever the number
// of audits in flight. It is safe for concurrent use.
type ConnLimit struct {
	per int

	mu   sync.Mutex
	sems map[netip.Addr]chan struct{}
}

// NewConnLimit returns a limit of per connections at once per address
// (at least 1).
func NewConnLimit(per int) *ConnLimit {
	return &ConnLimit{per: max(per, 1), sems: map[netip.Addr]chan struct{}{}}
}

// Per is the connections at once allowed to each address.
func (l *ConnLimit) Per() int { return l.per }

func (l *ConnLimit) sem(a netip.Addr) chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.sems[a]
	if s == nil {
		s = make(chan struct{}, l.per)
		l.sems[a] = s
	}
	return s
}

// acquire waits for a connection slot of a, or for ctx; it returns the
// slot's release.
func (l *ConnLimit) acquire(ctx context.Context, a netip.Addr) (func(), error) {
	s := l.sem(a.Unmap())
	select {
	case s <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() { once.Do(func() { <-s }) }, nil
}

// Limit makes the guard hold a slot of l for each connection it dials to
// an IP address, until the connection is closed; nil removes the limit.
// It returns g.
func (g *Guard) Limit(l *ConnLimit) *Guard {
	g.limit = l
	return g
}

// DialIP connects to ip:port with nd (a Dialer of this guard), holding a
// slot of the guard's ConnLimit, if any, while the connection is open.
func (g *Guard) DialIP(ctx context.Context, nd *net.Dialer, network string, ap netip.AddrPort) (net.Conn, error) {
	if g == nil || g.limit == nil {
		return nd.DialContext(ctx, network, ap.String())
	}
	release, err := g.limit.acquire(ctx, ap.Addr())
	if err != nil {
		return nil, err
	}
	c, err := nd.DialContext(ctx, network, ap.String())
	if err != nil {
		release()
		return nil, err
	}
	return &limitedConn{Conn: c, release: release}, nil
}

// limitedConn gives back its ConnLimit slot when closed.
type limitedConn struct {
	net.Conn
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}
