package dnsprobe

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/audit"
)

// The answer to the question an audit rests on, validated once the chain
// of trust down to its zone is: the RRset itself, each link of a CNAME or
// DNAME chain and the answer at its end, or the NSEC or NSEC3 proof that
// there is no such RRset or no such name (RFC 4035 section 5.4, RFC 5155
// section 8).

// aliasError is the failure of the answer a CNAME or DNAME leads to: the
// fault lies in the target's zone, not in the zone of the name asked.
type aliasError struct {
	err error
}

func (e *aliasError) Error() string { return e.err.Error() }
func (e *aliasError) Unwrap() error { return e.err }

// answer validates the answer to name/qtype in zone, whose keys are
// trusted: nil when it is secure, else why not (a *statusError for an
// insecure or indeterminate answer, a *limitError for a bound of the
// validator, any other error for a bogus one).
func (v *validator) answer(name string, qtype uint16, zone string, keys []*dns.DNSKEY) error {
	m, err := v.s.query(v.ctx, name, qtype)
	if err != nil {
		// No answer is not a wrong answer (RFC 4035 section 4.5:
		// nothing to validate).
		return indeterminate("%s", trimPrefix(err))
	}
	if m.Rcode != dns.RcodeSuccess && m.Rcode != dns.RcodeNameError {
		return indeterminate("%s %s: server answered %s", typeName(qtype), display(name), rcodeName(m.Rcode))
	}
	if set := records(m.Answer, name, qtype); len(set) > 0 && m.Rcode == dns.RcodeSuccess {
		return v.positive(m, name, qtype, set, zone, keys)
	}
	if qtype != dns.TypeCNAME {
		if set := records(m.Answer, name, dns.TypeCNAME); len(set) > 0 {
			if err := v.positive(m, name, dns.TypeCNAME, set, zone, keys); err != nil {
				return err
			}
			return v.follow(name, dns.CanonicalName(set[0].(*dns.CNAME).Target), qtype)
		}
	}
	if qtype != dns.TypeDNAME {
		// RFC 6672 section 3.1: a DNAME at an ancestor of name, in
		// zone, rewrites it; the CNAME the server synthesises is
		// unsigned, the DNAME is what is verified.
		for _, rr := range m.Answer {
			d, ok := rr.(*dns.DNAME)
			owner := dns.CanonicalName(rr.Header().Name)
			if !ok || owner == name || !dns.IsSubDomain(owner, name) || !dns.IsSubDomain(zone, owner) {
				continue
			}
			if err := v.positive(m, owner, dns.TypeDNAME, records(m.Answer, owner, dns.TypeDNAME), zone, keys); err != nil {
				return err
			}
			prefix := name[:len(name)-len(owner)]
			target := dns.CanonicalName(prefix + dns.CanonicalName(d.Target))
			if _, ok := dns.IsDomainName(target); !ok || len(target) > 255 {
				return fmt.Errorf("DNAME %s rewrites %s to a name too long", display(owner), display(name))
			}
			return v.follow(name, target, qtype)
		}
	}
	return v.negative(m, name, qtype, zone, keys)
}

// follow validates the answer a CNAME or DNAME from name to target leads
// to, with target's own chain of trust.
func (v *validator) follow(name, target string, qtype uint16) error {
	if v.depth+1 >= maxCNAMEChain {
		return indeterminate("%s: alias chain longer than %d", display(name), maxCNAMEChain)
	}
	sub := v.s.validateType(v.ctx, target, qtype, v.depth+1)
	if sub.Status == audit.DNSSECSecure {
		return nil
	}
	msg := fmt.Sprintf("%s is an alias of %s: %s", display(name), display(target), sub.Reason)
	if sub.Status == audit.DNSSECBogus {
		return &aliasError{errors.New(msg)}
	}
	return &aliasError{&statusError{status: sub.Status, msg: msg, unsupported: sub.Unsupported, limit: sub.Limit}}
}

// positive verifies the RRset name/t of the answer m with the keys of
// zone, and, for an RRset expanded from a wildcard, the proof that name
// itself does not exist (RFC 4035 section 5.3.4, RFC 5155 section 8.8).
func (v *validator) positive(m *dns.Msg, name string, t uint16, set []dns.RR, zone string, keys []*dns.DNSKEY) error {
	sigs := signatures(m.Answer, name, t)
	if err := v.ver.verifyRRset(v.ctx, set, sigs, keys, zone, v.now); err != nil {
		return fmt.Errorf("%s/%s: %w", display(name), typeName(t), err)
	}
	labels := dns.CountLabel(name)
	wild := labels
	for _, sig := range sigs {
		if dns.CanonicalName(sig.SignerName) == zone && int(sig.Labels) < wild {
			wild = int(sig.Labels)
		}
	}
	if wild == labels {
		return nil
	}
	// The source of synthesis is *.ce, ce the last wild labels of name;
	// the next closer name is one label longer.
	next := lastLabels(name, wild+1)
	nsecs, nsec3s, err := v.proofs(m.Ns, zone, keys)
	if err != nil {
		return err
	}
	for _, n := range nsecs {
		if nsecCovers(n, name) {
			return nil
		}
	}
	for _, n := range nsec3s {
		if n.Cover(next) {
			return nil
		}
	}
	return fmt.Errorf("%s/%s expanded from a wildcard, without the NSEC or NSEC3 proving that %s does not exist", display(name), typeName(t), display(name))
}

// negative validates an answer with no RRset name/qtype: the SOA of zone
// and the NSEC or NSEC3 records that prove there is no such RRset
// (NODATA) or no such name (NXDOMAIN).
func (v *validator) negative(m *dns.Msg, name string, qtype uint16, zone string, keys []*dns.DNSKEY) error {
	soa := records(m.Ns, zone, dns.TypeSOA)
	if len(soa) == 0 {
		return fmt.Errorf("no %s %s, and no SOA of %s in the negative answer", typeName(qtype), display(name), display(zone))
	}
	if err := v.ver.verifyRRset(v.ctx, soa, signatures(m.Ns, zone, dns.TypeSOA), keys, zone, v.now); err != nil {
		return fmt.Errorf("%s/SOA: %w", display(zone), err)
	}
	nsecs, nsec3s, err := v.proofs(m.Ns, zone, keys)
	if err != nil {
		return err
	}
	nx := m.Rcode == dns.RcodeNameError
	what := fmt.Sprintf("no %s %s", typeName(qtype), display(name))
	if nx {
		what = fmt.Sprintf("no name %s (NXDOMAIN)", display(name))
	}
	switch {
	case len(nsecs) > 0:
		err = nsecDenial(nsecs, name, qtype, nx)
	case len(nsec3s) > 0:
		err = nsec3Denial(nsec3s, name, qtype, nx, zone)
	default:
		return fmt.Errorf("%s, and no signed NSEC or NSEC3 from %s proving it", what, display(zone))
	}
	if err != nil {
		var se *statusError
		if errors.As(err, &se) {
			se.msg = what + ": " + se.msg
			return se
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// proofs returns the NSEC and NSEC3 records of zone in section, each
// verified with keys. NSEC3 records with an unknown hash are left out
// (RFC 5155 section 8.1); NSEC3 records over maxNSEC3Iterations make the
// answer insecure (RFC 9276 section 3.2).
func (v *validator) proofs(section []dns.RR, zone string, keys []*dns.DNSKEY) ([]*dns.NSEC, []*dns.NSEC3, error) {
	var nsecs []*dns.NSEC
	var nsec3s []*dns.NSEC3
	for _, rr := range section {
		owner := dns.CanonicalName(rr.Header().Name)
		switch r := rr.(type) {
		case *dns.NSEC:
			if dns.IsSubDomain(zone, owner) {
				nsecs = append(nsecs, r)
			}
		case *dns.NSEC3:
			if parentName(owner) == zone {
				nsec3s = append(nsec3s, r)
			}
		}
	}
	nsecs, nsec3s = dedupe(nsecs), dedupe(nsec3s)
	if len(nsecs) > maxNSEC3 || len(nsec3s) > maxNSEC3 {
		return nil, nil, &statusError{status: audit.DNSSECIndeterminate, limit: audit.DNSSECLimitRecords,
			msg: fmt.Sprintf("%d NSEC and %d NSEC3 records from %s, more than the %d vigie accepts", len(nsecs), len(nsec3s), display(zone), maxNSEC3)}
	}
	for _, n := range nsecs {
		if err := v.ver.verifyRRset(v.ctx, []dns.RR{n}, signatures(section, n.Hdr.Name, dns.TypeNSEC), keys, zone, v.now); err != nil {
			return nil, nil, fmt.Errorf("NSEC %s: %w", display(n.Hdr.Name), err)
		}
	}
	var usable []*dns.NSEC3
	for _, n := range nsec3s {
		if err := v.ver.verifyRRset(v.ctx, []dns.RR{n}, signatures(section, n.Hdr.Name, dns.TypeNSEC3), keys, zone, v.now); err != nil {
			return nil, nil, fmt.Errorf("NSEC3 %s: %w", display(n.Hdr.Name), err)
		}
		if n.Hash != dns.SHA1 {
			continue
		}
		if n.Iterations > maxNSEC3Iterations {
			return nil, nil, insecure("NSEC3 of %s with %d iterations, over %d, not checked (RFC 9276 section 3.2)", display(zone), n.Iterations, maxNSEC3Iterations)
		}
		usable = append(usable, n)
	}
	return nsecs, usable, nil
}

// nsecDenial checks NSEC records against a negative answer (RFC 4035
// section 5.4, RFC 4035 section 3.1.3).
func nsecDenial(nsecs []*dns.NSEC, name string, qtype uint16, nx bool) error {
	if !nx {
		for _, n := range nsecs {
			if dns.CanonicalName(n.Hdr.Name) != name {
				continue
			}
			if slices.Contains(n.TypeBitMap, qtype) || slices.Contains(n.TypeBitMap, dns.TypeCNAME) {
				return fmt.Errorf("the NSEC of %s lists %s or CNAME", display(name), typeName(qtype))
			}
			if qtype != dns.TypeDS && slices.Contains(n.TypeBitMap, dns.TypeNS) && !slices.Contains(n.TypeBitMap, dns.TypeSOA) {
				return fmt.Errorf("the NSEC of %s is its parent's, at a delegation", display(name))
			}
			return nil
		}
		// An empty non-terminal: the NSEC before it leads to a name
		// below it.
		for _, n := range nsecs {
			next := dns.CanonicalName(n.NextDomain)
			if nsecCovers(n, name) && next != name && dns.IsSubDomain(name, next) {
				return nil
			}
		}
	}
	var cover *dns.NSEC
	for _, n := range nsecs {
		if nsecCovers(n, name) {
			cover = n
			break
		}
	}
	if cover == nil {
		return fmt.Errorf("no NSEC covers %s", display(name))
	}
	// The closest encloser is the deepest ancestor of name that the
	// covering NSEC's ends share; no wildcard may exist below it.
	ce := lastLabels(name, max(dns.CompareDomainName(name, cover.Hdr.Name), dns.CompareDomainName(name, cover.NextDomain)))
	wild := "*." + ce
	if ce == "." {
		wild = "*."
	}
	for _, n := range nsecs {
		if nsecCovers(n, wild) {
			if nx {
				return nil
			}
			return fmt.Errorf("an NSEC says %s does not exist, in a NODATA answer", display(name))
		}
		if !nx && dns.CanonicalName(n.Hdr.Name) == wild {
			// A wildcard NODATA answer (RFC 4035 section 3.1.3.4).
			if slices.Contains(n.TypeBitMap, qtype) || slices.Contains(n.TypeBitMap, dns.TypeCNAME) {
				return fmt.Errorf("the NSEC of %s lists %s or CNAME", display(wild), typeName(qtype))
			}
			return nil
		}
	}
	return fmt.Errorf("no NSEC proves there is no wildcard %s", display(wild))
}

// nsec3Denial checks NSEC3 records against a negative answer (RFC 5155
// sections 8.4 to 8.7).
func nsec3Denial(nsec3s []*dns.NSEC3, name string, qtype uint16, nx bool, zone string) error {
	if !nx {
		// Section 8.5 and 8.6: the NSEC3 matching name.
		for _, n := range nsec3s {
			if n.Match(name) {
				if slices.Contains(n.TypeBitMap, qtype) || slices.Contains(n.TypeBitMap, dns.TypeCNAME) {
					return fmt.Errorf("the NSEC3 of %s lists %s or CNAME", display(name), typeName(qtype))
				}
				return nil
			}
		}
	}
	ce, next, ok := closestEncloser(nsec3s, name, zone)
	if !ok {
		return fmt.Errorf("no NSEC3 closest encloser proof for %s", display(name))
	}
	var cover *dns.NSEC3
	for _, n := range nsec3s {
		if n.Cover(next) {
			cover = n
			break
		}
	}
	if cover == nil {
		return fmt.Errorf("no NSEC3 covers the next closer name %s", display(next))
	}
	optOut := cover.Flags&1 == 1
	wild := "*." + ce
	if ce == "." {
		wild = "*."
	}
	if !nx {
		if qtype == dns.TypeDS && optOut {
			return insecure("NSEC3 opt-out span over %s", display(next))
		}
		// Section 8.7: a wildcard NODATA answer.
		for _, n := range nsec3s {
			if n.Match(wild) {
				if slices.Contains(n.TypeBitMap, qtype) || slices.Contains(n.TypeBitMap, dns.TypeCNAME) {
					return fmt.Errorf("the NSEC3 of %s lists %s or CNAME", display(wild), typeName(qtype))
				}
				return nil
			}
		}
		return fmt.Errorf("no NSEC3 matches %s", display(name))
	}
	// Section 8.4: no wildcard at the closest encloser.
	for _, n := range nsec3s {
		if n.Cover(wild) {
			if optOut {
				// Section 9.2: an opt-out span may hide an
				// unsigned delegation.
				return insecure("NSEC3 opt-out span over %s", display(next))
			}
			return nil
		}
	}
	return fmt.Errorf("no NSEC3 proves there is no wildcard %s", display(wild))
}

// closestEncloser finds the closest encloser of name among the NSEC3
// records (RFC 5155 section 8.3): the deepest ancestor of name, in zone,
// with a matching NSEC3; next is the next closer name, one label longer.
func closestEncloser(nsec3s []*dns.NSEC3, name, zone string) (ce, next string, ok bool) {
	next = name
	for c := parentName(name); dns.IsSubDomain(zone, c); c = parentName(c) {
		for _, n := range nsec3s {
			if n.Match(c) {
				return c, next, true
			}
		}
		if c == "." {
			break
		}
		next = c
	}
	return "", "", false
}

// nsecCovers says whether name falls strictly between the owner of n and
// its next name, in canonical order (RFC 4034 section 6.1); the last NSEC
// of a zone leads back to its apex.
func nsecCovers(n *dns.NSEC, name string) bool {
	owner, next := dns.CanonicalName(n.Hdr.Name), dns.CanonicalName(n.NextDomain)
	// RFC 4035 section 5.4: an NSEC at a delegation or at a DNAME
	// proves nothing about the names below it.
	if owner != name && dns.IsSubDomain(owner, name) &&
		(slices.Contains(n.TypeBitMap, dns.TypeDNAME) || slices.Contains(n.TypeBitMap, dns.TypeNS) && !slices.Contains(n.TypeBitMap, dns.TypeSOA)) {
		return false
	}
	if compareNames(owner, next) < 0 {
		return compareNames(owner, name) < 0 && compareNames(name, next) < 0
	}
	return compareNames(owner, name) < 0 || compareNames(name, next) < 0
}

// lastLabels returns the name made of the last n labels of name.
func lastLabels(name string, n int) string {
	labels := dns.SplitDomainName(name)
	if n <= 0 || len(labels) == 0 {
		return "."
	}
	if n > len(labels) {
		n = len(labels)
	}
	return dns.CanonicalName(strings.Join(labels[len(labels)-n:], "."))
}
