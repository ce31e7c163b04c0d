package engine

import (
	"context"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/probe/dnsprobe"
)

// Transient reports whether res failed for a reason that may not be the
// domain's and may pass (a campaign retries such audits later): no DNS
// answer at all (ErrNoDNSAnswer: timeouts, SERVFAIL, refused
// connections to the resolver), or a probe given up at the audit's own
// deadline. A domain that does not exist, a web server that refuses
// connections or a certificate that does not verify are facts about the
// domain, not transient.
func Transient(res *audit.Result) bool {
	if res == nil {
		return false
	}
	if ErrorCode(res) == CodeNoDNSAnswer {
		return true
	}
	if res.Error != "" || res.Observations == nil {
		return false
	}
	o := res.Observations
	if o.DNS != nil {
		if o.DNS.Error == errGivenUp {
			return true
		}
		for _, q := range o.DNS.Queries {
			if q.Error == errGivenUp {
				return true
			}
		}
	}
	if o.Mail != nil && o.Mail.Error == errGivenUp {
		return true
	}
	for _, t := range o.TLS {
		if t != nil && t.Error == errGivenUp {
			return true
		}
	}
	for _, h := range o.HTTP {
		if h != nil && h.Error == errGivenUp {
			return true
		}
	}
	return o.SecurityTxt != nil && o.SecurityTxt.Error == errGivenUp
}

// NameAnswer is what the resolver said about one name (HostCache.Ask).
type NameAnswer struct {
	// Addresses is the number of A records in the answer (CNAMEs
	// followed).
	Addresses int
	// Rcode is the response code ("NOERROR", "NXDOMAIN", "SERVFAIL"...);
	// "" when no answer came.
	Rcode string
	// Err says why no answer came (timeout, refused connection).
	Err error
}

// Ask asks the cache's resolver for the addresses (A) of name, bypassing
// the cache, within resolverTimeout.
func (c *HostCache) Ask(ctx context.Context, name string) NameAnswer {
	p, err := dnsprobe.New(c.cfg)
	if err != nil {
		return NameAnswer{Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, resolverTimeout)
	defer cancel()
	rrs, rcode, err := p.Query(ctx, name, dns.TypeA)
	if err != nil {
		return NameAnswer{Err: err}
	}
	a := NameAnswer{Rcode: dns.RcodeToString[rcode]}
	for _, rr := range rrs {
		if _, ok := rr.(*dns.A); ok {
			a.Addresses++
		}
	}
	return a
}
