package dnsprobe

import (
	"context"
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
// Prober's anchors down to the zone of name is validated, then the answer
// itself with that zone's keys: the RRset returned, every link of a
// CNAME or DNAME chain (each target with its own chain of trust), or, for
// an empty answer, the NSEC or NSEC3 records that prove there is no such
// RRset or name (RFC 4035 section 5.4, RFC 5155 section 8). A status of
// secure therefore covers the records returned, or their absence. The
// reason explains the status in one line. A query that gets no answer,
// or SERVFAIL, makes the status indeterminate, never bogus. The signature
// verifications count against the Prober's budget, and what the Prober
// has verified once is not verified again: a status of indeterminate may
// mean that the budget is spent.
func (p *Prober) QueryValidated(ctx context.Context, name string, qtype uint16) (rrs []dns.RR, rcode int, status, reason string, err error) {
	s := p.newSession(false)
	rrs, rcode, err = s.queryChain(ctx, name, qtype)
	if err != nil {
		return nil, 0, audit.DNSSECIndeterminate, trimPrefix(err), err
	}
	obs := s.validateType(ctx, dns.CanonicalName(name), qtype, 0)
	return rrs, rcode, obs.Status, obs.Reason, nil
}

// Validate returns the DNSSEC status of the answer to name/qtype, as
// QueryValidated does, with the whole observation: the chain of trust,
// the reason, and what vigie could not verify.
func (p *Prober) Validate(ctx context.Context, name string, qtype uint16) *audit.DNSSECObservation {
	s := p.newSession(false)
	return s.validateType(ctx, dns.CanonicalName(name), qtype, 0)
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
