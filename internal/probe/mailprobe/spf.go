package mailprobe

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/audit"
)

// Limits of RFC 7208 section 4.6.4.
const (
	maxSPFLookups = 10 // terms causing DNS lookups
	maxSPFVoid    = 2  // lookups returning no record
	maxSPFMXNames = 10 // MX names per mx mechanism
	// maxSPFQueries bounds the DNS queries of one evaluation, whatever
	// the records say: 10 lookup terms, each mx with its 10 names.
	maxSPFQueries = 10 * (1 + maxSPFMXNames)
)

// spfEval is one walk of an SPF policy: every term is looked at, as for a
// sender that matches no mechanism, so that every lookup the receiver
// could make is counted.
type spfEval struct {
	p       *prober
	ctx     context.Context
	obs     *audit.SPFObservation
	queries int
	stopped bool // a limit was passed: no further DNS query
}

// spf reads and evaluates the domain's SPF record (RFC 7208 section 4).
func (p *prober) spf(ctx context.Context) *audit.SPFObservation {
	obs := &audit.SPFObservation{}
	recs, rcode, err := p.txt(ctx, p.domain)
	if err != nil {
		obs.Error = "mailprobe: " + shortError(err)
		return obs
	}
	obs.Records = filter(recs, isSPF)
	switch {
	case rcode != dns.RcodeSuccess && rcode != dns.RcodeNameError:
		obs.Error = fmt.Sprintf("mailprobe: TXT %s: server answered %s", p.domain, rcodeName(rcode))
	case len(obs.Records) > 1:
		// RFC 7208 section 4.5: more than one record is a permerror.
		obs.Errors = append(obs.Errors, audit.SPFError{Kind: audit.SPFErrMultiple, Domain: p.domain, Message: fmt.Sprintf("%d SPF records", len(obs.Records))})
	case len(obs.Records) == 1:
		e := &spfEval{p: p, ctx: ctx, obs: obs}
		obs.Tree = &audit.SPFNode{Domain: p.domain, Record: obs.Records[0]}
		e.evaluate(obs.Tree, []string{p.domain})
	}
	return obs
}

// fail records an error of the evaluation.
func (e *spfEval) fail(kind, domain, format string, args ...any) {
	e.obs.Errors = append(e.obs.Errors, audit.SPFError{Kind: kind, Domain: domain, Message: fmt.Sprintf(format, args...)})
}

// query asks one question for a term, unless a limit was passed, and
// counts a void lookup (RFC 7208 section 4.6.4: NOERROR with no answer,
// or NXDOMAIN).
func (e *spfEval) query(name string, qtype uint16) (rrs []dns.RR, rcode int, err error, asked bool) {
	if e.stopped {
		return nil, 0, nil, false
	}
	if e.queries >= maxSPFQueries {
		e.stopped = true
		e.fail(audit.SPFErrQueries, name, "more than %d DNS queries: evaluation stopped", maxSPFQueries)
		return nil, 0, nil, false
	}
	e.queries++
	rrs, rcode, err = e.p.cfg.DNS.Query(e.ctx, name, qtype)
	return rrs, rcode, err, true
}

// void counts one void lookup.
func (e *spfEval) void(domain string, t *audit.SPFTerm) {
	t.Void = true
	e.obs.VoidLookups++
	if e.obs.VoidLookups == maxSPFVoid+1 {
		e.fail(audit.SPFErrVoidLookups, domain, "more than %d void DNS lookups", maxSPFVoid)
		e.stopped = true
	}
}

// evaluate parses node's record and walks its terms; path holds the
// domains of the includes and redirects above, to find loops.
func (e *spfEval) evaluate(node *audit.SPFNode, path []string) {
	terms, errs := parseSPF(node.Record)
	node.Terms = terms
	for _, err := range errs {
		e.fail(audit.SPFErrSyntax, node.Domain, "%s", err)
	}
	hasAll := false
	var redirect *audit.SPFTerm
	for i := range node.Terms {
		t := &node.Terms[i]
		if t.Error != "" {
			e.fail(audit.SPFErrSyntax, node.Domain, "%s", t.Error)
			continue
		}
		if t.Name == "all" && !t.Modifier {
			hasAll = true
		}
		if t.Modifier {
			if t.Name == "redirect" {
				redirect = t
			}
			continue // exp= and unknown modifiers cause no lookup
		}
		if !t.Lookup {
			continue
		}
		e.count(node.Domain)
		if child := e.term(node, t, path); child != nil {
			node.Children = append(node.Children, child)
		}
	}
	// RFC 7208 section 6.1: redirect is ignored when the record has an
	// all mechanism; otherwise it is followed once every mechanism
	// failed to match, and counts as a lookup.
	if redirect != nil && !hasAll {
		e.count(node.Domain)
		if child := e.follow(node, redirect, "redirect", path); child != nil {
			node.Children = append(node.Children, child)
		}
	}
}

// count counts one lookup term and stops the walk past the limit.
func (e *spfEval) count(domain string) {
	e.obs.Lookups++
	if e.obs.Lookups == maxSPFLookups+1 {
		e.fail(audit.SPFErrLookups, domain, "more than %d DNS lookups", maxSPFLookups)
		e.stopped = true
	}
}

// term makes the lookups of one mechanism; an include returns its node.
func (e *spfEval) term(node *audit.SPFNode, t *audit.SPFTerm, path []string) *audit.SPFNode {
	spec := t.Value
	if t.Name == "a" || t.Name == "mx" || t.Name == "ptr" {
		if i := strings.IndexByte(spec, '/'); i >= 0 {
			spec = spec[:i]
		}
		if spec == "" {
			spec = node.Domain
		}
	}
	if t.Name == "include" {
		return e.follow(node, t, "include", path)
	}
	if t.Name == "ptr" {
		// The PTR lookup depends on the sender's address: counted,
		// not made.
		return nil
	}
	target, ok := expandDomain(spec, node.Domain, e.p.domain)
	if !ok {
		return nil // depends on the sender: counted, not made
	}
	switch t.Name {
	case "a":
		// The walk sees what an IPv4 sender sees (RFC 7208 section
		// 5.3: the A records only), so that a name with only AAAA
		// records is a void lookup, as pyspf counts it.
		if e.addressVoid(node, t, "a", target) {
			e.void(node.Domain, t)
		}
	case "exists":
		rrs, rc, err, asked := e.query(target, dns.TypeA)
		if !asked {
			return nil
		}
		if err != nil {
			t.Error = "DNS error: " + shortError(err)
			e.fail(audit.SPFErrDNS, node.Domain, "exists:%s: %s", target, t.Error)
			return nil
		}
		if len(rrs) == 0 && isVoidRcode(rc) {
			e.void(node.Domain, t)
		}
	case "mx":
		rrs, rc, err, asked := e.query(target, dns.TypeMX)
		if !asked {
			return nil
		}
		if err != nil {
			t.Error = "DNS error: " + shortError(err)
			e.fail(audit.SPFErrDNS, node.Domain, "mx:%s: %s", target, t.Error)
			return nil
		}
		if len(rrs) == 0 && isVoidRcode(rc) {
			e.void(node.Domain, t)
		}
		// RFC 7208 section 4.6.4: at most 10 MX names per mx
		// mechanism. Their address lookups do not count towards the
		// 10 lookups, but each one without an A record (for an IPv4
		// sender) is a void lookup.
		if len(rrs) > maxSPFMXNames {
			t.Error = fmt.Sprintf("%s has %d MX records, more than %d", target, len(rrs), maxSPFMXNames)
			e.fail(audit.SPFErrMXNames, node.Domain, "mx:%s: %s", target, t.Error)
			return nil
		}
		for _, rr := range rrs {
			if mx, ok := rr.(*dns.MX); ok && e.addressVoid(node, t, "mx", strings.TrimSuffix(mx.Mx, ".")) {
				e.void(node.Domain, t)
			}
		}
	}
	return nil
}

// addressVoid asks the A records of name for term t and says whether the
// lookup was void; a DNS error is recorded on t.
func (e *spfEval) addressVoid(node *audit.SPFNode, t *audit.SPFTerm, mech, name string) bool {
	rrs, rc, err, asked := e.query(name, dns.TypeA)
	switch {
	case !asked:
		return false
	case err != nil:
		t.Error = "DNS error: " + shortError(err)
		e.fail(audit.SPFErrDNS, node.Domain, "%s:%s: %s", mech, name, t.Error)
		return false
	}
	for _, rr := range rrs {
		if _, ok := rr.(*dns.A); ok {
			return false
		}
	}
	return isVoidRcode(rc)
}

// follow evaluates the record an include or a redirect points to.
func (e *spfEval) follow(node *audit.SPFNode, t *audit.SPFTerm, via string, path []string) *audit.SPFNode {
	target, ok := expandDomain(t.Value, node.Domain, e.p.domain)
	if !ok {
		return nil // a macro that depends on the sender
	}
	target = strings.ToLower(target)
	child := &audit.SPFNode{Domain: target, Via: via}
	if slices.Contains(path, target) {
		child.Error = fmt.Sprintf("loop: %s", strings.Join(append(slices.Clone(path), target), " > "))
		e.fail(audit.SPFErrLoop, node.Domain, "%s %s: %s", via, target, child.Error)
		e.stopped = true
		return child
	}
	rrs, rcode, err, asked := e.query(target, dns.TypeTXT)
	if !asked {
		child.Error = "not evaluated: a limit was passed before"
		return child
	}
	if err != nil {
		child.Error = "DNS error: " + shortError(err)
		e.fail(audit.SPFErrDNS, node.Domain, "%s %s: %s", via, target, child.Error)
		return child
	}
	var recs []string
	for _, rr := range rrs {
		if txt, ok := rr.(*dns.TXT); ok {
			if r := strings.Join(txt.Txt, ""); isSPF(r) {
				recs = append(recs, r)
			}
		}
	}
	switch {
	case rcode != dns.RcodeSuccess && rcode != dns.RcodeNameError:
		child.Error = "server answered " + rcodeName(rcode)
		e.fail(audit.SPFErrDNS, node.Domain, "%s %s: %s", via, target, child.Error)
	case len(recs) == 0:
		if len(rrs) == 0 {
			e.void(node.Domain, t)
		}
		// RFC 7208 sections 5.2 and 6.1: an include or redirect to
		// a domain without an SPF record is a permerror.
		child.Error = "no SPF record"
		e.fail(audit.SPFErrNoRecord, node.Domain, "%s %s: no SPF record", via, target)
	case len(recs) > 1:
		child.Error = fmt.Sprintf("%d SPF records", len(recs))
		e.fail(audit.SPFErrMultiple, node.Domain, "%s %s: %d SPF records", via, target, len(recs))
	default:
		child.Record = recs[0]
		e.evaluate(child, append(slices.Clone(path), target))
	}
	return child
}

func isVoidRcode(rc int) bool { return rc == dns.RcodeSuccess || rc == dns.RcodeNameError }
