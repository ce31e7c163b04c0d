package dnsprobe

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/probe"
)

// DNSSEC validation, done by vigie itself (RFC 4035 section 5), from the
// closest trust anchor above the domain down to the domain's zone:
//
//  1. find the zone cuts: every name between the anchor and the domain
//     whose SOA query is answered with its own SOA (or with a referral to
//     it) is the apex of a zone;
//  2. for the anchor's zone, a DNSKEY must match the anchor and sign the
//     DNSKEY set;
//  3. for each zone below, its DS set must be signed by the parent zone's
//     keys, one DNSKEY must match one DS and sign the DNSKEY set; where the
//     parent gives no DS, its signed NSEC or NSEC3 must prove there is none
//     before the chain is called insecure;
//  4. the answer the audit uses is verified with its zone's keys
//     (denial.go): the RRset (the domain's SOA at a zone apex, its A set
//     elsewhere, a TLSA set for DANE), each CNAME or DNAME link and the
//     answer it leads to, with the target's own chain of trust; a
//     wildcard expansion with the proof that the name asked does not
//     exist; a NODATA or NXDOMAIN answer with its NSEC (RFC 4035 section
//     5.4) or NSEC3 proof (RFC 5155 section 8: closest encloser, next
//     closer name, wildcard, opt-out).
//
// Only a signature that does not verify or is out of its validity
// period, a missing RRSIG, a DS that matches no key, or a missing proof
// make the status bogus. A query without an answer (timeout, refused
// connection), a SERVFAIL or REFUSED, or a bound of the validator
// (budget.go) make it indeterminate: vigie did not find out. An
// algorithm or digest type vigie cannot verify (Ed448, GOST, an unknown
// number), and NSEC3 records over maxNSEC3Iterations, make the zone
// insecure, as RFC 4035 section 5.2, RFC 8624 section 3 and RFC 9276
// section 3.2 tell validators; DNSSECObservation.Unsupported records the
// algorithms, vigie's own limit.
//
// Not checked: the NS-without-SOA bitmap rule for NSEC3 at delegations
// (RFC 5155 section 8.9, checked for NSEC), the consistency of NSEC3
// parameters between records (RFC 5155 section 8.2), and the proofs of
// answers vigie does not validate (the addresses of www, of MX and name
// server hosts, the TXT sets of DMARC and MTA-STS: only the domain's own
// answer and the TLSA sets carry a status). Records are fetched from one
// server; their TTLs are not checked.
//
// Why vigie's own validator: no Go validator on the module proxy is kept
// up and bounded as this one must be. github.com/miekg/dns (used here for
// the wire format and the signature primitives) has none;
// github.com/peterzen/goresolver (and its fork hazcod/goresolver, last
// released in 2020) validates positive answers only, without NSEC or
// NSEC3 denial of existence, dials on its own (bypassing internal/guard)
// and does not bound its work against KeyTrap (CVE-2023-50387) as
// budget.go does. Ed448 (algorithm 16) is not verified: neither the
// standard library nor miekg/dns implements it. The differential test
// e2e/dnssec-diff.sh compares the verdicts with BIND's delv and Unbound's
// unbound-host, and accepts only the differences listed, with their RFC
// section, in internal/score/differences/dnssec-peers.tsv (published in
// the methodology).

// supportedAlgorithms are the DNSKEY algorithms vigie can verify (RFC 8624
// section 3.1: RSAMD5, DSA and GOST are not validated).
var supportedAlgorithms = []uint8{dns.RSASHA1, dns.RSASHA1NSEC3SHA1, dns.RSASHA256, dns.RSASHA512,
	dns.ECDSAP256SHA256, dns.ECDSAP384SHA384, dns.ED25519}

// maxNSEC3Iterations is the iteration count above which an NSEC3 proof is
// treated as insecure (RFC 9276 section 3.2).
const maxNSEC3Iterations = 150

type validator struct {
	s   *session
	ver *verifier
	ctx context.Context
	now time.Time
	obs *audit.DNSSECObservation
	// depth counts the CNAME and DNAME links followed to get here.
	depth int
}

// validate returns the DNSSEC status of name's own records: its SOA set
// at a zone apex, its A set (or the proof that it has none) elsewhere.
func (s *session) validate(ctx context.Context, name string) *audit.DNSSECObservation {
	return s.validateType(ctx, name, 0, 0)
}

// validateType returns the DNSSEC status of the answer to name/qtype
// (qtype 0: as validate), reached through depth CNAME or DNAME links.
func (s *session) validateType(ctx context.Context, name string, qtype uint16, depth int) *audit.DNSSECObservation {
	v := &validator{s: s, ver: s.p.ver, ctx: ctx, now: s.p.now(), obs: &audit.DNSSECObservation{}, depth: depth}
	v.run(name, qtype)
	return v.obs
}

func (v *validator) set(status, reason string) {
	v.obs.Status, v.obs.Reason = status, reason
}

// fail sets the status for a verification that failed: indeterminate
// when a bound of the validator stopped it, the status a *statusError
// carries, bogus otherwise.
func (v *validator) fail(err error) {
	var se *statusError
	switch {
	case v.limited(err):
	case errors.As(err, &se):
		v.set(se.status, err.Error())
		v.obs.Unsupported = se.unsupported
		v.obs.Limit = se.limit
	default:
		v.set(audit.DNSSECBogus, err.Error())
	}
}

// statusError is a validation that ends neither secure nor bogus:
// insecure (NSEC3 over the iteration limit, an algorithm vigie cannot
// verify, an opt-out span) or indeterminate (no answer, SERVFAIL).
type statusError struct {
	status      string
	msg         string
	unsupported []string
	limit       string
}

func (e *statusError) Error() string { return e.msg }

func indeterminate(format string, args ...any) error {
	return &statusError{status: audit.DNSSECIndeterminate, msg: fmt.Sprintf(format, args...)}
}

func insecure(format string, args ...any) error {
	return &statusError{status: audit.DNSSECInsecure, msg: fmt.Sprintf(format, args...)}
}

func (v *validator) run(name string, qtype uint16) {
	// The closest anchor above name.
	anchorZone := ""
	for _, a := range v.s.p.anchors {
		o := dns.CanonicalName(a.Header().Name)
		if dns.IsSubDomain(o, name) && (anchorZone == "" || dns.CountLabel(o) > dns.CountLabel(anchorZone)) {
			anchorZone = o
		}
	}
	if anchorZone == "" {
		v.obs.Anchor = v.s.p.anchorName
		v.set(audit.DNSSECIndeterminate, fmt.Sprintf("no trust anchor above %s", display(name)))
		return
	}
	var anchors []dns.RR
	for _, a := range v.s.p.anchors {
		if dns.CanonicalName(a.Header().Name) == anchorZone {
			anchors = append(anchors, a)
		}
	}

	zones, status, reason := v.zoneCuts(anchorZone, name)
	v.prefetch(zones)
	for i := range zones {
		v.obs.Chain = append(v.obs.Chain, v.link(zones, i))
	}
	v.obs.Algorithms = v.algorithms(zones[len(zones)-1])
	if status != "" {
		v.set(status, reason)
		v.obs.Anchor = v.s.p.anchorName
		v.markFrom(0, status)
		return
	}

	keys, ok := v.anchorKeys(anchorZone, anchors)
	if !ok {
		v.markFrom(0, v.obs.Status)
		return
	}
	v.obs.Chain[0].Status = audit.DNSSECSecure
	for i := 1; i < len(zones); i++ {
		keys, ok = v.delegation(zones[i], zones[i-1], keys)
		if !ok {
			v.markFrom(i, v.obs.Status)
			return
		}
		v.obs.Chain[i].Status = audit.DNSSECSecure
	}
	zone := zones[len(zones)-1]
	if qtype == 0 {
		qtype = dns.TypeA
		if name == zone {
			qtype = dns.TypeSOA
		}
	}
	if err := v.answer(name, qtype, zone, keys); err != nil {
		v.fail(err)
		if !errors.As(err, new(*aliasError)) {
			// The fault lies in the domain's zone, not in the
			// zone an alias leads to.
			v.obs.Chain[len(zones)-1].Status = v.obs.Status
			v.obs.Chain[len(zones)-1].Reason = err.Error()
		}
		return
	}
	v.set(audit.DNSSECSecure, fmt.Sprintf("chain of trust verified from %s to %s", v.obs.Anchor, display(zones[len(zones)-1])))
}

// markFrom gives zone i the status and reason of the observation, and the
// zones below it the same status, "below" it.
func (v *validator) markFrom(i int, status string) {
	for j := i; j < len(v.obs.Chain); j++ {
		v.obs.Chain[j].Status = status
		if j == i {
			v.obs.Chain[j].Reason = v.obs.Reason
		} else {
			v.obs.Chain[j].Reason = "below " + v.obs.Chain[i].Zone
		}
	}
}

// zoneCuts returns the zones from anchorZone down to the one holding
// name. The status is set when the cuts cannot be found.
func (v *validator) zoneCuts(anchorZone, name string) (zones []string, status, reason string) {
	var path []string
	for n := name; n != anchorZone; n = parentName(n) {
		path = append(path, n)
	}
	slices.Reverse(path)
	answers := make([]*dns.Msg, len(path))
	errs := make([]error, len(path))
	var wg probe.Group
	for i, n := range path {
		wg.Go(func() { answers[i], errs[i] = v.s.query(v.ctx, n, dns.TypeSOA) })
	}
	wg.Wait()
	zones = []string{anchorZone}
	for i, n := range path {
		m, err := answers[i], errs[i]
		switch {
		case err != nil:
			return zones, audit.DNSSECIndeterminate, fmt.Sprintf("cannot find the zone of %s: %s", display(n), trimPrefix(err))
		case m.Rcode == dns.RcodeNameError:
			return zones, "", "" // nothing below exists
		case m.Rcode != dns.RcodeSuccess:
			return zones, audit.DNSSECIndeterminate, fmt.Sprintf("cannot find the zone of %s: SOA answered %s", display(n), rcodeName(m.Rcode))
		}
		if len(records(m.Answer, n, dns.TypeSOA)) > 0 || isReferral(m, n) {
			zones = append(zones, n)
		}
	}
	return zones, "", ""
}

// isReferral says whether m delegates name to other servers (RFC 1034
// section 4.3.2): no answer, not authoritative, name's NS set and no SOA
// in the authority section.
func isReferral(m *dns.Msg, name string) bool {
	if m.Authoritative || len(m.Answer) > 0 || len(records(m.Ns, name, dns.TypeNS)) == 0 {
		return false
	}
	for _, rr := range m.Ns {
		if rr.Header().Rrtype == dns.TypeSOA {
			return false
		}
	}
	return true
}

// prefetch asks the DNSKEY set of every zone and the DS set of every zone
// below the anchor at once.
func (v *validator) prefetch(zones []string) {
	var wg probe.Group
	for i, z := range zones {
		wg.Go(func() { v.s.query(v.ctx, z, dns.TypeDNSKEY) })
		if i > 0 {
			wg.Go(func() { v.s.query(v.ctx, z, dns.TypeDS) })
		}
	}
	wg.Wait()
}

// link describes zone i from the answers already fetched.
func (v *validator) link(zones []string, i int) audit.DNSSECZone {
	z := zones[i]
	l := audit.DNSSECZone{Zone: display(z)}
	if m, err := v.s.query(v.ctx, z, dns.TypeDNSKEY); err == nil {
		l.DNSKEY = len(records(m.Answer, z, dns.TypeDNSKEY)) > 0
	}
	if i > 0 {
		if m, err := v.s.query(v.ctx, z, dns.TypeDS); err == nil {
			l.DS = len(records(m.Answer, z, dns.TypeDS)) > 0
		}
	}
	return l
}

func (v *validator) algorithms(zone string) []uint8 {
	m, err := v.s.query(v.ctx, zone, dns.TypeDNSKEY)
	if err != nil {
		return nil
	}
	var out []uint8
	for _, rr := range records(m.Answer, zone, dns.TypeDNSKEY) {
		out = append(out, rr.(*dns.DNSKEY).Algorithm)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// dnskeys returns the DNSKEY set of zone and its signatures; ok is false
// (and the status set) when they could not be fetched.
func (v *validator) dnskeys(zone string) (set []dns.RR, sigs []*dns.RRSIG, ok bool) {
	m, err := v.s.query(v.ctx, zone, dns.TypeDNSKEY)
	if err != nil {
		v.set(audit.DNSSECIndeterminate, fmt.Sprintf("DNSKEY of %s: %s", display(zone), trimPrefix(err)))
		return nil, nil, false
	}
	if m.Rcode != dns.RcodeSuccess {
		v.set(audit.DNSSECIndeterminate, fmt.Sprintf("DNSKEY of %s: server answered %s", display(zone), rcodeName(m.Rcode)))
		return nil, nil, false
	}
	if isReferral(m, zone) {
		v.set(audit.DNSSECIndeterminate, fmt.Sprintf("DNSKEY of %s: the server does not serve %s and refers to its name servers", display(zone), display(zone)))
		return nil, nil, false
	}
	set = dedupe(records(m.Answer, zone, dns.TypeDNSKEY))
	if len(set) == 0 {
		v.set(audit.DNSSECBogus, fmt.Sprintf("%s has no DNSKEY record, yet a DS or trust anchor vouches for it", display(zone)))
		return nil, nil, false
	}
	if len(set) > maxDNSKEYs {
		v.refuse(fmt.Sprintf("DNSKEY set of %s: %d keys, more than the %d vigie accepts", display(zone), len(set), maxDNSKEYs))
		return nil, nil, false
	}
	return set, signatures(m.Answer, zone, dns.TypeDNSKEY), true
}

// zoneKeys returns the keys of set usable to verify signatures (RFC 4034
// section 2.1.1, RFC 5011 section 7: zone keys, not revoked).
func zoneKeys(set []dns.RR) []*dns.DNSKEY {
	var out []*dns.DNSKEY
	for _, rr := range set {
		k := rr.(*dns.DNSKEY)
		if k.Flags&dns.ZONE != 0 && k.Flags&dns.REVOKE == 0 && k.Protocol == 3 {
			out = append(out, k)
		}
	}
	return out
}

// anchorKeys checks the anchor zone's DNSKEY set against the anchors.
func (v *validator) anchorKeys(zone string, anchors []dns.RR) ([]*dns.DNSKEY, bool) {
	v.obs.Anchor = v.s.p.anchorName
	set, sigs, ok := v.dnskeys(zone)
	if !ok {
		return nil, false
	}
	keys := zoneKeys(set)
	var trusted []*dns.DNSKEY
	for _, k := range keys {
		for _, a := range anchors {
			switch a := a.(type) {
			case *dns.DS:
				if dsMatches(a, k) {
					trusted = append(trusted, k)
				}
			case *dns.DNSKEY:
				if a.Flags == k.Flags && a.Protocol == k.Protocol && a.Algorithm == k.Algorithm && a.PublicKey == k.PublicKey {
					trusted = append(trusted, k)
				}
			}
		}
	}
	if len(trusted) == 0 {
		v.set(audit.DNSSECBogus, fmt.Sprintf("no DNSKEY of %s matches the trust anchor (%s)", display(zone), v.s.p.anchorName))
		return nil, false
	}
	v.obs.Anchor = fmt.Sprintf("%s KSK %d", v.s.p.anchorName, trusted[0].KeyTag())
	if err := v.ver.verifyRRset(v.ctx, set, sigs, trusted, zone, v.now); err != nil {
		v.fail(fmt.Errorf("DNSKEY set of %s: %w", display(zone), err))
		return nil, false
	}
	return keys, true
}

// unsupportedDS names the algorithms and digest types of set that vigie
// cannot verify, once each.
func unsupportedDS(set []dns.RR) []string {
	var out []string
	for _, rr := range set {
		ds := rr.(*dns.DS)
		if !slices.Contains(supportedAlgorithms, ds.Algorithm) {
			out = append(out, fmt.Sprintf("DS algorithm %d (%s)", ds.Algorithm, algorithmName(ds.Algorithm)))
		}
		if digestLen(ds.DigestType) == 0 {
			out = append(out, fmt.Sprintf("DS digest type %d (%s)", ds.DigestType, digestName(ds.DigestType)))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func algorithmName(a uint8) string {
	if n, ok := dns.AlgorithmToString[a]; ok {
		return n
	}
	return "unknown"
}

func digestName(d uint8) string {
	if n, ok := dns.HashToString[d]; ok {
		return n
	}
	return "unknown"
}

// dsMatches says whether ds is the digest of k (RFC 4034 section 5.1.4).
func dsMatches(ds *dns.DS, k *dns.DNSKEY) bool {
	if ds.Algorithm != k.Algorithm || ds.KeyTag != k.KeyTag() {
		return false
	}
	d := k.ToDS(ds.DigestType)
	return d != nil && strings.EqualFold(d.Digest, ds.Digest)
}

// delegation validates the link from parent (whose keys are trusted) to
// zone, and returns zone's keys. When it returns false, the status is set:
// insecure where the parent proves there is no DS, bogus or indeterminate
// otherwise.
func (v *validator) delegation(zone, parent string, parentKeys []*dns.DNSKEY) ([]*dns.DNSKEY, bool) {
	m, err := v.s.query(v.ctx, zone, dns.TypeDS)
	if err != nil {
		v.set(audit.DNSSECIndeterminate, fmt.Sprintf("DS of %s: %s", display(zone), trimPrefix(err)))
		return nil, false
	}
	if m.Rcode != dns.RcodeSuccess {
		v.set(audit.DNSSECIndeterminate, fmt.Sprintf("DS of %s: server answered %s", display(zone), rcodeName(m.Rcode)))
		return nil, false
	}
	dsSet := dedupe(records(m.Answer, zone, dns.TypeDS))
	if len(dsSet) == 0 {
		status, reason := v.noDS(m, zone, parent, parentKeys)
		v.set(status, reason)
		return nil, false
	}
	if len(dsSet) > maxDS {
		v.refuse(fmt.Sprintf("DS set of %s in %s: %d records, more than the %d vigie accepts", display(zone), display(parent), len(dsSet), maxDS))
		return nil, false
	}
	// RFC 4035 section 5.2: the DS set is authenticated by the parent.
	if err := v.ver.verifyRRset(v.ctx, dsSet, signatures(m.Answer, zone, dns.TypeDS), parentKeys, parent, v.now); err != nil {
		v.fail(fmt.Errorf("DS set of %s in %s: %w", display(zone), display(parent), err))
		return nil, false
	}
	var usable []*dns.DS
	for _, rr := range dsSet {
		ds := rr.(*dns.DS)
		if slices.Contains(supportedAlgorithms, ds.Algorithm) && digestLen(ds.DigestType) > 0 {
			usable = append(usable, ds)
		}
	}
	if len(usable) == 0 {
		// RFC 4035 section 5.2: no DS with a supported algorithm and
		// digest means the zone is treated as unsigned. It is vigie's
		// limit, recorded as such (RFC 8624 section 3).
		v.set(audit.DNSSECInsecure, fmt.Sprintf("every DS of %s uses an algorithm or digest type vigie cannot validate", display(zone)))
		v.obs.Unsupported = unsupportedDS(dsSet)
		return nil, false
	}
	set, sigs, ok := v.dnskeys(zone)
	if !ok {
		return nil, false
	}
	keys := zoneKeys(set)
	var trusted []*dns.DNSKEY
	for _, k := range keys {
		for _, ds := range usable {
			if dsMatches(ds, k) {
				trusted = append(trusted, k)
				break
			}
		}
	}
	if len(trusted) == 0 {
		var tags []string
		for _, ds := range usable {
			tags = append(tags, fmt.Sprint(ds.KeyTag))
		}
		v.set(audit.DNSSECBogus, fmt.Sprintf("no DNSKEY of %s matches its DS in %s (key tags %s)", display(zone), display(parent), strings.Join(tags, ", ")))
		return nil, false
	}
	if err := v.ver.verifyRRset(v.ctx, set, sigs, trusted, zone, v.now); err != nil {
		v.fail(fmt.Errorf("DNSKEY set of %s: %w", display(zone), err))
		return nil, false
	}
	return keys, true
}

// noDS checks the parent's proof that zone has no DS (RFC 4035 section
// 5.2, RFC 5155 section 8.6 and 6 for opt-out). It returns insecure when
// the absence is proven, and otherwise why not; when a bound of the
// validator stops it, indeterminate, with the observation's Limit set.
func (v *validator) noDS(m *dns.Msg, zone, parent string, keys []*dns.DNSKEY) (status, reason string) {
	insecure := fmt.Sprintf("no DS for %s in %s", display(zone), display(parent))
	failed := func(err error) (string, string) {
		if v.limited(err) {
			return v.obs.Status, v.obs.Reason
		}
		return audit.DNSSECBogus, err.Error()
	}
	for _, rr := range records(m.Ns, zone, dns.TypeNSEC) {
		nsec := rr.(*dns.NSEC)
		if err := v.ver.verifyRRset(v.ctx, []dns.RR{nsec}, signatures(m.Ns, zone, dns.TypeNSEC), keys, parent, v.now); err != nil {
			return failed(fmt.Errorf("NSEC proving no DS for %s: %w", display(zone), err))
		}
		if slices.Contains(nsec.TypeBitMap, dns.TypeDS) {
			return audit.DNSSECBogus, fmt.Sprintf("no DS for %s given, but its NSEC in %s lists one", display(zone), display(parent))
		}
		return audit.DNSSECInsecure, insecure
	}
	var candidates []*dns.NSEC3
	for _, rr := range m.Ns {
		if n3, ok := rr.(*dns.NSEC3); ok && parentName(dns.CanonicalName(n3.Hdr.Name)) == parent {
			candidates = append(candidates, n3)
		}
	}
	// A proof needs at most three NSEC3 records (RFC 5155 section 7.2.1);
	// each costs a verification and a hash per name it is matched with
	// (CVE-2023-50868).
	if candidates = dedupe(candidates); len(candidates) > maxNSEC3 {
		v.refuse(fmt.Sprintf("no DS for %s, and %d NSEC3 records from %s, more than the %d vigie accepts", display(zone), len(candidates), display(parent), maxNSEC3))
		return v.obs.Status, v.obs.Reason
	}
	var nsec3s []*dns.NSEC3
	for _, n3 := range candidates {
		if err := v.ver.verifyRRset(v.ctx, []dns.RR{n3}, signatures(m.Ns, n3.Hdr.Name, dns.TypeNSEC3), keys, parent, v.now); err != nil {
			return failed(fmt.Errorf("NSEC3 proving no DS for %s: %w", display(zone), err))
		}
		if n3.Hash != dns.SHA1 {
			continue // unknown hash: RFC 5155 section 8.1, ignore
		}
		if n3.Iterations > maxNSEC3Iterations {
			return audit.DNSSECInsecure, fmt.Sprintf("no DS for %s in %s: NSEC3 with %d iterations, over %d, not checked (RFC 9276)", display(zone), display(parent), n3.Iterations, maxNSEC3Iterations)
		}
		nsec3s = append(nsec3s, n3)
	}
	if len(nsec3s) == 0 {
		for _, rr := range m.Ns {
			if soa, ok := rr.(*dns.SOA); ok && dns.CanonicalName(soa.Hdr.Name) == zone {
				return audit.DNSSECIndeterminate, fmt.Sprintf("the DS query for %s was answered by %s itself, not by its parent %s", display(zone), display(zone), display(parent))
			}
		}
		return audit.DNSSECBogus, fmt.Sprintf("no DS for %s and no signed NSEC or NSEC3 from %s proving there is none", display(zone), display(parent))
	}
	for _, n3 := range nsec3s {
		if n3.Match(zone) {
			if slices.Contains(n3.TypeBitMap, dns.TypeDS) {
				return audit.DNSSECBogus, fmt.Sprintf("no DS for %s given, but its NSEC3 in %s lists one", display(zone), display(parent))
			}
			return audit.DNSSECInsecure, insecure
		}
	}
	// Closest encloser proof (RFC 5155 section 8.3), then an opt-out
	// NSEC3 covering the next closer name (section 8.6).
	next := zone
	for ce := parentName(zone); dns.IsSubDomain(parent, ce); ce = parentName(ce) {
		for _, n3 := range nsec3s {
			if !n3.Match(ce) {
				continue
			}
			for _, c := range nsec3s {
				if c.Cover(next) {
					if c.Flags&1 == 1 {
						return audit.DNSSECInsecure, insecure + " (NSEC3 opt-out)"
					}
					return audit.DNSSECBogus, fmt.Sprintf("NSEC3 in %s says %s does not exist, without opt-out", display(parent), display(next))
				}
			}
			return audit.DNSSECBogus, fmt.Sprintf("no NSEC3 in %s covers %s", display(parent), display(next))
		}
		next = ce
		if ce == "." {
			break
		}
	}
	return audit.DNSSECBogus, fmt.Sprintf("the NSEC3 records from %s prove nothing about %s", display(parent), display(zone))
}

// verifyRRset checks that one RRSIG in sigs, made by signer with one of
// keys, verifies set and is valid at now (RFC 4035 section 5.3), within
// the budgets (see maxVerifications). The error is the most telling
// failure seen, or a *limitError when a bound stopped the search before
// every candidate RRSIG and key was tried.
func (ver *verifier) verifyRRset(ctx context.Context, set []dns.RR, sigs []*dns.RRSIG, keys []*dns.DNSKEY, signer string, now time.Time) error {
	if len(sigs) == 0 {
		return errors.New("no RRSIG")
	}
	sigs = dedupe(sigs)
	if len(sigs) > maxRRSIGs {
		return &limitError{audit.DNSSECLimitSignatures, fmt.Sprintf("%d RRSIGs over one RRset, more than the %d vigie accepts", len(sigs), maxRRSIGs)}
	}
	set = dedupe(set)
	keys = dedupe(keys)
	tags := make([]uint16, len(keys))
	for i, k := range keys {
		tags[i] = k.KeyTag()
	}
	costly := func(k *dns.DNSKEY) bool {
		switch k.Algorithm {
		case dns.RSASHA1, dns.RSASHA1NSEC3SHA1, dns.RSASHA256, dns.RSASHA512:
			return rsaExponent(k) > maxRSAExponent
		}
		return false
	}
	setID := rrsetID(set)
	var best error
	rank := -1
	note := func(r int, err error) {
		if r > rank {
			rank, best = r, err
		}
	}
	var cut *limitError // the first bound that left candidates untried
	for i, sig := range sigs {
		if i == maxRRSIGsTried {
			cut = &limitError{audit.DNSSECLimitSignatures, fmt.Sprintf("%d RRSIGs over one RRset, %d tried", len(sigs), maxRRSIGsTried)}
			break
		}
		if dns.CanonicalName(sig.SignerName) != signer {
			note(0, fmt.Errorf("RRSIG made by %s, not %s", display(sig.SignerName), display(signer)))
			continue
		}
		if !slices.Contains(supportedAlgorithms, sig.Algorithm) {
			note(1, fmt.Errorf("RRSIG with unsupported algorithm %d", sig.Algorithm))
			continue
		}
		tried := 0
		for j, k := range keys {
			if k.Algorithm != sig.Algorithm || tags[j] != sig.KeyTag {
				continue
			}
			if tried == maxKeysPerTag {
				if cut == nil {
					cut = &limitError{audit.DNSSECLimitKeysPerTag, fmt.Sprintf("more than %d keys share key tag %d and algorithm %d, %d tried", maxKeysPerTag, sig.KeyTag, sig.Algorithm, maxKeysPerTag)}
				}
				break
			}
			if costly(k) {
				if cut == nil {
					cut = &limitError{audit.DNSSECLimitKeyCost, fmt.Sprintf("key %d has an RSA exponent over %d, not tried", sig.KeyTag, maxRSAExponent)}
				}
				continue
			}
			tried++
			err := ver.verify(ctx, setID, set, sig, k)
			var le *limitError
			if errors.As(err, &le) {
				return le
			}
			if err != nil {
				note(3, fmt.Errorf("RRSIG by key %d does not verify", sig.KeyTag))
				continue
			}
			if !sig.ValidityPeriod(now) {
				if exp := time.Unix(int64(sig.Expiration), 0).UTC(); now.After(exp) {
					note(4, fmt.Errorf("RRSIG by key %d expired on %s", sig.KeyTag, exp.Format(time.RFC3339)))
				} else {
					note(4, fmt.Errorf("RRSIG by key %d not valid before %s", sig.KeyTag, time.Unix(int64(sig.Inception), 0).UTC().Format(time.RFC3339)))
				}
				continue
			}
			return nil
		}
		if tried == 0 {
			note(2, fmt.Errorf("no trusted DNSKEY with tag %d for its RRSIG", sig.KeyTag))
		}
	}
	if cut != nil {
		// Not bogus: what was not tried might have verified.
		if best != nil {
			cut.msg += ", none verified (" + best.Error() + ")"
		}
		return cut
	}
	return best
}

// trimPrefix drops the "dnsprobe: " prefix of an error for a reason line.
func trimPrefix(err error) string {
	return strings.TrimPrefix(err.Error(), "dnsprobe: ")
}
