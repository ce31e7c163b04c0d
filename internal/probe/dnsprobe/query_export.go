package dnsprobe

import (
	"context"
	"errors"
	"fmt"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/audit"
)

// Query asks the Prober's server for name/qtype and returns the records of
// qtype in the answer, following a CNAME chain the server did not follow
// itself (at most maxCNAMEChain links), and the response code of the last
// answer. An rcode other than NOERROR is not an error: err is set only
// when no answer came (timeout, refused connection, garbage). Each call is
// a fresh session: nothing is cached between calls and nothing is
// recorded in an observation. Other probes (mailprobe) use it for the
// records the DNS probe does not fetch itself.
func (p *Prober) Query(ctx context.Context, name string, qtype uint16) ([]dns.RR, int, error) {
	s := p.newSession(false)
	return s.queryChain(ctx, name, qtype)
}

// QueryValidated is Query, plus the DNSSEC status of the answer as vigie's
// own validator sees it (RFC 4035 section 5): the chain of trust from the
// Prober's anchors down to the zone of name is validated, then the RRSIGs
// over the returned RRset are verified with that zone's keys. A status of
// secure therefore covers the records returned; for an empty answer it
// covers the zone's negative answer as the validator checks it (the SOA
// of the zone, not an NSEC proof of the exact name). The reason explains
// the status in one line. The signature verifications count against the
// Prober's budget, and what the Prober has verified once is not verified
// again: a status of indeterminate may mean that the budget is spent.
func (p *Prober) QueryValidated(ctx context.Context, name string, qtype uint16) (rrs []dns.RR, rcode int, status, reason string, err error) {
	s := p.newSession(false)
	rrs, rcode, err = s.queryChain(ctx, name, qtype)
	if err != nil {
		return nil, 0, audit.DNSSECIndeterminate, trimPrefix(err), err
	}
	fq := dns.CanonicalName(name)
	obs := s.validate(ctx, fq)
	status, reason = obs.Status, obs.Reason
	if status != audit.DNSSECSecure || len(rrs) == 0 || len(obs.Chain) == 0 {
		return rrs, rcode, status, reason, nil
	}
	// The zone's DNSKEY set was verified by validate; the session keeps
	// the same answer, so its keys are the trusted ones.
	zone := dns.CanonicalName(obs.Chain[len(obs.Chain)-1].Zone)
	m, qerr := s.query(ctx, zone, dns.TypeDNSKEY)
	if qerr != nil {
		return rrs, rcode, audit.DNSSECIndeterminate, trimPrefix(qerr), nil
	}
	keys := zoneKeys(dedupe(records(m.Answer, zone, dns.TypeDNSKEY)))
	owner := dns.CanonicalName(rrs[0].Header().Name)
	if owner != fq {
		// Reached through a CNAME: the target's zone would need its
		// own chain. Not validated here.
		return rrs, rcode, audit.DNSSECIndeterminate, fmt.Sprintf("%s/%s reached through a CNAME to %s: not validated", display(fq), typeName(qtype), display(owner)), nil
	}
	a, qerr := s.query(ctx, owner, qtype)
	if qerr != nil {
		return rrs, rcode, audit.DNSSECIndeterminate, trimPrefix(qerr), nil
	}
	if verr := s.p.ver.verifyRRset(ctx, records(a.Answer, owner, qtype), signatures(a.Answer, owner, qtype), keys, zone, s.p.now()); verr != nil {
		status = audit.DNSSECBogus
		if errors.As(verr, new(*limitError)) {
			status = audit.DNSSECIndeterminate
		}
		return rrs, rcode, status, fmt.Sprintf("%s/%s: %v", display(owner), typeName(qtype), verr), nil
	}
	return rrs, rcode, audit.DNSSECSecure, fmt.Sprintf("%s/%s verified with the keys of %s", display(owner), typeName(qtype), display(zone)), nil
}

// queryChain asks name/qtype and follows CNAMEs, inside the answer first
// and then with new queries, until records of qtype are found.
func (s *session) queryChain(ctx context.Context, name string, qtype uint16) ([]dns.RR, int, error) {
	cur := dns.CanonicalName(name)
	seen := map[string]bool{cur: true}
	for {
		m, err := s.query(ctx, cur, qtype)
		if err != nil {
			return nil, 0, err
		}
		if m.Rcode != dns.RcodeSuccess {
			return nil, m.Rcode, nil
		}
		asked := cur
		for {
			if set := records(m.Answer, cur, qtype); len(set) > 0 {
				return set, m.Rcode, nil
			}
			cn := records(m.Answer, cur, dns.TypeCNAME)
			if len(cn) == 0 || qtype == dns.TypeCNAME {
				break
			}
			cur = dns.CanonicalName(cn[0].(*dns.CNAME).Target)
			if seen[cur] {
				return nil, m.Rcode, fmt.Errorf("dnsprobe: %s %s: CNAME loop at %s", typeName(qtype), display(name), display(cur))
			}
			seen[cur] = true
			if len(seen) > maxCNAMEChain {
				return nil, m.Rcode, fmt.Errorf("dnsprobe: %s %s: CNAME chain longer than %d", typeName(qtype), display(name), maxCNAMEChain)
			}
		}
		if cur == asked {
			return nil, m.Rcode, nil // no data
		}
	}
}
