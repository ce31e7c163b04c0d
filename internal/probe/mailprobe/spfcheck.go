package mailprobe

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// SPF results of RFC 7208 section 2.6.
const (
	SPFNone      = "none"
	SPFNeutral   = "neutral"
	SPFPass      = "pass"
	SPFFail      = "fail"
	SPFSoftfail  = "softfail"
	SPFTemperror = "temperror"
	SPFPermerror = "permerror"
)

// maxSPFPTRNames bounds the PTR names whose addresses a ptr mechanism or
// the %{p} macro looks up (RFC 7208 section 4.6.4).
const maxSPFPTRNames = 10

// SPFVerdict is the result of check_host() for one sender.
type SPFVerdict struct {
	// Result is one of the SPF* constants.
	Result string
	// Mechanism is the term that matched, as written ("ip4:192.0.2.0/24",
	// "-all"), empty when none did.
	Mechanism string
	// Lookups counts the terms that caused DNS lookups (include, a, mx,
	// ptr, exists, redirect) and VoidLookups the DNS queries that
	// returned no record (RFC 7208 section 4.6.4).
	Lookups, VoidLookups int
	// Reason says why the result is temperror or permerror.
	Reason string
}

// CheckHost evaluates the SPF policy of domain for a message sent from ip
// with the envelope sender sender ("local@domain"; "" means
// "postmaster@"+domain) and the HELO name helo, as check_host() of RFC
// 7208 section 4 does. Every DNS question goes to r. Unlike the walk of
// Probe, which looks at every term for any sender, CheckHost stops at the
// first mechanism that matches, as a receiver does.
func CheckHost(ctx context.Context, r Resolver, ip netip.Addr, domain, sender, helo string) SPFVerdict {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	if sender == "" {
		sender = "postmaster@" + domain
	}
	local, sdomain, ok := strings.Cut(sender, "@")
	if !ok {
		local, sdomain = "postmaster", sender
	}
	if local == "" {
		local = "postmaster"
	}
	c := &checker{r: r, ctx: ctx, ip: ip.Unmap(), local: local, sdomain: sdomain, helo: helo}
	res, mech, err := c.checkHost(domain, nil)
	v := SPFVerdict{Result: res, Mechanism: mech, Lookups: c.lookups, VoidLookups: c.voids}
	var se *spfError
	if errors.As(err, &se) {
		v.Result, v.Reason, v.Mechanism = se.result, se.reason, ""
	}
	return v
}

// spfError ends an evaluation with temperror or permerror.
type spfError struct{ result, reason string }

func (e *spfError) Error() string { return e.result + ": " + e.reason }

func permerror(format string, args ...any) error {
	return &spfError{SPFPermerror, fmt.Sprintf(format, args...)}
}

// checker holds the state of one check_host() evaluation, shared by the
// includes and redirects it follows.
type checker struct {
	r              Resolver
	ctx            context.Context
	ip             netip.Addr
	local, sdomain string
	helo           string
	lookups, voids int
	validated      *string // the %{p} macro, once computed
}

// checkHost is check_host() of RFC 7208 section 4 for one domain; path
// holds the domains of the includes and redirects above it.
func (c *checker) checkHost(domain string, path []string) (result, mech string, err error) {
	// RFC 7208 section 4.3: a domain that is not a valid multi-label
	// name gives none.
	if !validName(domain) {
		return SPFNone, "", nil
	}
	if slices.Contains(path, domain) {
		// A loop of includes or redirects would repeat until the
		// limit of 10 lookups: permerror (RFC 7208 section 4.6.4).
		return "", "", permerror("loop: %s > %s", strings.Join(path, " > "), domain)
	}
	path = append(slices.Clone(path), domain)
	// RFC 7208 section 4.4: the TXT records of the domain.
	rrs, err := c.query(domain, dns.TypeTXT)
	if err != nil {
		return "", "", err
	}
	var recs []string
	for _, rr := range rrs {
		if t, ok := rr.(*dns.TXT); ok {
			if s := strings.Join(t.Txt, ""); isSPF(s) {
				recs = append(recs, s)
			}
		}
	}
	switch len(recs) {
	case 0:
		return SPFNone, "", nil
	case 1:
	default:
		// RFC 7208 section 4.5.
		return "", "", permerror("%s: %d SPF records", domain, len(recs))
	}
	terms, errs := parseSPF(recs[0])
	if len(errs) > 0 {
		return "", "", permerror("%s: %s", domain, errs[0])
	}
	// RFC 7208 section 4.6: a syntax error anywhere in the record is a
	// permerror before any term is evaluated.
	var redirect string
	for _, t := range terms {
		if t.Error != "" {
			return "", "", permerror("%s: %s", domain, t.Error)
		}
		if t.Modifier && t.Name == "redirect" {
			redirect = t.Value
		}
	}
	for _, t := range terms {
		if t.Modifier {
			continue
		}
		matched, err := c.mechanism(domain, t.Name, t.Value, path)
		if err != nil {
			return "", "", err
		}
		if matched {
			return qualifierResult(t.Qualifier), strings.TrimPrefix(t.Qualifier, "+") + t.Name + colonValue(t.Value), nil
		}
	}
	// RFC 7208 section 6.1: redirect is followed when no mechanism
	// matched (a record with "all" always matches); it counts as a
	// lookup, and a target without a record is a permerror.
	if redirect != "" {
		if err := c.count(); err != nil {
			return "", "", err
		}
		target, err := c.expand(redirect, domain, false)
		if err != nil {
			return "", "", err
		}
		res, mech, err := c.checkHost(target, path)
		if err == nil && res == SPFNone {
			return "", "", permerror("redirect=%s: no SPF record", target)
		}
		return res, mech, err
	}
	return SPFNeutral, "", nil // RFC 7208 section 4.7
}

func colonValue(value string) string {
	if value == "" || strings.HasPrefix(value, "/") {
		return value
	}
	return ":" + value
}

func qualifierResult(q string) string {
	switch q {
	case "-":
		return SPFFail
	case "~":
		return SPFSoftfail
	case "?":
		return SPFNeutral
	}
	return SPFPass
}

// mechanism evaluates one mechanism (RFC 7208 section 5).
func (c *checker) mechanism(domain, name, value string, path []string) (bool, error) {
	switch name {
	case "all":
		return true, nil
	case "ip4", "ip6":
		p, err := netip.ParsePrefix(value)
		if err != nil {
			a, aerr := netip.ParseAddr(value)
			if aerr != nil {
				return false, permerror("%s:%s: bad network", name, value)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		return p.Addr().Is4() == c.ip.Is4() && p.Contains(c.ip), nil
	}
	// Every other mechanism counts towards the 10 lookups (section
	// 4.6.4), before its lookup is made.
	if err := c.count(); err != nil {
		return false, err
	}
	spec, cidr := value, ""
	if name == "a" || name == "mx" {
		if i := strings.IndexByte(value, '/'); i >= 0 {
			spec, cidr = value[:i], value[i:]
		}
	}
	if spec == "" {
		spec = "%{d}"
	}
	target, err := c.expand(spec, domain, false)
	if err != nil {
		return false, err
	}
	switch name {
	case "include":
		// RFC 7208 section 5.2.
		res, _, err := c.checkHost(target, path)
		switch {
		case err != nil:
			return false, err
		case res == SPFNone:
			return false, permerror("include:%s: no SPF record", target)
		}
		return res == SPFPass, nil
	case "exists":
		// RFC 7208 section 5.7: an A query whatever the sender's
		// address family.
		rrs, err := c.query(target, dns.TypeA)
		return len(rrs) > 0, err
	case "a":
		bits := c.cidrBits(cidr)
		addrs, err := c.addresses(target)
		return containsIP(addrs, c.ip, bits), err
	case "mx":
		// RFC 7208 section 5.4: at most 10 MX names, whose address
		// lookups do not count towards the 10 lookups but may be
		// void.
		rrs, err := c.query(target, dns.TypeMX)
		if err != nil {
			return false, err
		}
		if len(rrs) > maxSPFMXNames {
			return false, permerror("mx:%s: %d MX records, more than %d", target, len(rrs), maxSPFMXNames)
		}
		bits := c.cidrBits(cidr)
		matched := false
		for _, rr := range rrs {
			mx, ok := rr.(*dns.MX)
			if !ok {
				continue
			}
			addrs, err := c.addresses(strings.TrimSuffix(mx.Mx, "."))
			if err != nil {
				return false, err
			}
			matched = matched || containsIP(addrs, c.ip, bits)
		}
		return matched, nil
	case "ptr":
		// RFC 7208 section 5.5.
		names, err := c.validatedNames()
		if err != nil {
			return false, err
		}
		for _, n := range names {
			if n == target || strings.HasSuffix(n, "."+target) {
				return true, nil
			}
		}
		return false, nil
	}
	return false, permerror("unknown mechanism %q", name)
}

// count counts one term that causes DNS lookups (RFC 7208 section 4.6.4).
func (c *checker) count() error {
	c.lookups++
	if c.lookups > maxSPFLookups {
		return permerror("more than %d DNS lookups", maxSPFLookups)
	}
	return nil
}

// query asks one question and counts a void lookup (RFC 7208 section
// 4.6.4: NOERROR with no answer of the type, or NXDOMAIN); other
// failures are temperrors (section 2.6.6).
func (c *checker) query(name string, qtype uint16) ([]dns.RR, error) {
	if !validName(name) {
		return nil, nil // RFC 7208 section 4.3: no query for a bad name
	}
	rrs, rcode, err := c.r.Query(c.ctx, name, qtype)
	if err != nil {
		return nil, &spfError{SPFTemperror, fmt.Sprintf("%s %s: %s", dns.TypeToString[qtype], name, shortError(err))}
	}
	if rcode != dns.RcodeSuccess && rcode != dns.RcodeNameError {
		return nil, &spfError{SPFTemperror, fmt.Sprintf("%s %s: server answered %s", dns.TypeToString[qtype], name, rcodeName(rcode))}
	}
	var out []dns.RR
	for _, rr := range rrs {
		if rr.Header().Rrtype == qtype {
			out = append(out, rr)
		}
	}
	if len(out) == 0 {
		c.voids++
		if c.voids > maxSPFVoid {
			return nil, permerror("more than %d void DNS lookups (the last: %s %s)", maxSPFVoid, dns.TypeToString[qtype], name)
		}
	}
	return out, nil
}

// addresses returns the addresses of name in the sender's family: A for
// an IPv4 sender, AAAA for an IPv6 one (RFC 7208 section 5.3), so that a
// name with only AAAA records is a void lookup for an IPv4 sender.
func (c *checker) addresses(name string) ([]netip.Addr, error) {
	qtype := dns.TypeA
	if !c.ip.Is4() {
		qtype = dns.TypeAAAA
	}
	rrs, err := c.query(name, qtype)
	var out []netip.Addr
	for _, rr := range rrs {
		switch rr := rr.(type) {
		case *dns.A:
			if a, ok := netip.AddrFromSlice(rr.A.To4()); ok {
				out = append(out, a)
			}
		case *dns.AAAA:
			if a, ok := netip.AddrFromSlice(rr.AAAA); ok {
				out = append(out, a)
			}
		}
	}
	return out, err
}

// cidrBits returns the prefix length of a dual-cidr-length for the
// sender's family (RFC 7208 section 5.6).
func (c *checker) cidrBits(cidr string) int {
	v4, v6, _ := strings.Cut(cidr, "//")
	if c.ip.Is4() {
		if n, err := strconv.Atoi(strings.TrimPrefix(v4, "/")); err == nil {
			return n
		}
		return 32
	}
	if n, err := strconv.Atoi(v6); err == nil {
		return n
	}
	return 128
}

func containsIP(addrs []netip.Addr, ip netip.Addr, bits int) bool {
	for _, a := range addrs {
		if a.Is4() != ip.Is4() {
			continue
		}
		if p, err := a.Prefix(bits); err == nil && p.Contains(ip) {
			return true
		}
	}
	return false
}

// validatedNames returns the sender's validated domain names (RFC 7208
// section 5.5): the PTR names, at most 10, whose addresses include the
// sender's.
func (c *checker) validatedNames() ([]string, error) {
	rev, err := dns.ReverseAddr(c.ip.String())
	if err != nil {
		return nil, nil
	}
	rrs, err := c.query(strings.TrimSuffix(rev, "."), dns.TypePTR)
	if err != nil {
		return nil, err
	}
	var out []string
	for i, rr := range rrs {
		if i == maxSPFPTRNames {
			break
		}
		ptr, ok := rr.(*dns.PTR)
		if !ok {
			continue
		}
		name := strings.ToLower(strings.TrimSuffix(ptr.Ptr, "."))
		addrs, err := c.addresses(name)
		if err != nil {
			// RFC 7208 section 5.5: a DNS error on one name
			// discards the name, not the evaluation.
			continue
		}
		if containsIP(addrs, c.ip, c.ip.BitLen()) {
			out = append(out, name)
		}
	}
	return out, nil
}

// expand expands the macros of a domain-spec (RFC 7208 section 7.3) for
// the domain being evaluated; exp allows the letters c, r and t, which
// only explanations may use.
func (c *checker) expand(spec, domain string, exp bool) (string, error) {
	var b strings.Builder
	for i := 0; i < len(spec); i++ {
		if spec[i] != '%' {
			b.WriteByte(spec[i])
			continue
		}
		if i+1 >= len(spec) {
			return "", permerror("%q: %% at the end", spec)
		}
		switch spec[i+1] {
		case '%':
			b.WriteByte('%')
			i++
			continue
		case '_':
			b.WriteByte(' ')
			i++
			continue
		case '-':
			b.WriteString("%20")
			i++
			continue
		case '{':
		default:
			return "", permerror("%q: bad macro", spec)
		}
		end := strings.IndexByte(spec[i:], '}')
		if end < 3 {
			return "", permerror("%q: bad macro", spec)
		}
		s, err := c.macro(spec[i+2:i+end], domain, exp)
		if err != nil {
			return "", err
		}
		b.WriteString(s)
		i += end
	}
	out := strings.TrimSuffix(b.String(), ".")
	// RFC 7208 section 7.3: left-hand labels are removed until the
	// name is at most 253 characters.
	for len(out) > 253 {
		i := strings.IndexByte(out, '.')
		if i < 0 {
			break
		}
		out = out[i+1:]
	}
	return strings.ToLower(out), nil
}

// macro expands one macro body: a letter, then an optional number of
// parts to keep, "r" to reverse, and the delimiters (RFC 7208 section
// 7.1 and 7.3).
func (c *checker) macro(body, domain string, exp bool) (string, error) {
	letter := body[0]
	var v string
	switch letter | 0x20 {
	case 's':
		v = c.local + "@" + c.sdomain
	case 'l':
		v = c.local
	case 'o':
		v = c.sdomain
	case 'd':
		v = domain
	case 'i':
		v = c.ipMacro()
	case 'p':
		v = c.pMacro(domain)
	case 'v':
		v = "in-addr"
		if !c.ip.Is4() {
			v = "ip6"
		}
	case 'h':
		v = c.helo
	case 'c', 'r', 't':
		if !exp {
			return "", permerror("%%{%c} is allowed only in exp=", letter)
		}
		v = map[byte]string{'c': c.ip.String(), 'r': "unknown", 't': "0"}[letter|0x20]
	default:
		return "", permerror("unknown macro letter %q", letter)
	}
	rest := body[1:]
	digits := len(rest) - len(strings.TrimLeft(rest, "0123456789"))
	keep := 0
	if digits > 0 {
		n, err := strconv.Atoi(rest[:digits])
		if err != nil || n == 0 {
			return "", permerror("%%{%s}: bad number of parts", body)
		}
		keep = n
	}
	rest = rest[digits:]
	reverse := false
	if rest != "" && (rest[0] == 'r' || rest[0] == 'R') {
		reverse, rest = true, rest[1:]
	}
	delims := rest
	if delims == "" {
		delims = "."
	}
	parts := splitAny(v, delims)
	if reverse {
		slices.Reverse(parts)
	}
	if keep > 0 && keep < len(parts) {
		parts = parts[len(parts)-keep:]
	}
	out := strings.Join(parts, ".")
	if letter >= 'A' && letter <= 'Z' {
		// Upper-case letters are URL-escaped (section 7.3).
		out = url.PathEscape(out)
	}
	return out, nil
}

func splitAny(s, delims string) []string {
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(delims, s[i]) >= 0 {
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// ipMacro is %{i}: dotted quad, or dot-separated nibbles for IPv6 (RFC
// 7208 section 7.3).
func (c *checker) ipMacro() string {
	if c.ip.Is4() {
		return c.ip.String()
	}
	b := c.ip.As16()
	var nib []string
	for _, x := range b {
		nib = append(nib, strconv.FormatUint(uint64(x>>4), 16), strconv.FormatUint(uint64(x&15), 16))
	}
	return strings.Join(nib, ".")
}

// pMacro is %{p}: a validated name of the sender, one in the domain if
// any, or "unknown" (RFC 7208 section 7.3). Its lookups count towards no
// limit but the void one.
func (c *checker) pMacro(domain string) string {
	if c.validated != nil {
		return *c.validated
	}
	v := "unknown"
	names, err := c.validatedNames()
	if err == nil && len(names) > 0 {
		v = names[0]
		for _, n := range names {
			if n == domain || strings.HasSuffix(n, "."+domain) {
				v = n
				break
			}
		}
	}
	c.validated = &v
	return v
}

// validName says whether name can be queried: at least two labels, each
// of 1 to 63 characters, 253 at most in all (RFC 7208 section 4.3).
func validName(name string) bool {
	if name == "" || len(name) > 253 || !strings.Contains(name, ".") {
		return false
	}
	for _, l := range strings.Split(name, ".") {
		if l == "" || len(l) > 63 {
			return false
		}
	}
	return true
}
