package dnstest

import (
	"net"
	"slices"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/dnsname"
)

// drop reports whether the UDP query req is one DropUDP leaves
// unanswered.
func (a *Authority) drop(req *dns.Msg) bool {
	if a.cfg.dropUDP == 0 || len(req.Question) != 1 {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.dropped == nil {
		a.dropped = map[dns.Question]int{}
	}
	q := req.Question[0]
	if a.dropped[q] >= a.cfg.dropUDP {
		return false
	}
	a.dropped[q]++
	return true
}

// ServeDNS answers one query; it makes Authority a dns.Handler.
func (a *Authority) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	_, udp := w.RemoteAddr().(*net.UDPAddr)
	if udp {
		a.udpQueries.Add(1)
	} else {
		a.tcpQueries.Add(1)
	}
	if a.cfg.silent || udp && a.drop(req) || a.cfg.unanswered != nil && len(req.Question) == 1 && a.cfg.unanswered(req.Question[0]) {
		return
	}
	if a.cfg.garbage {
		junk := []byte{byte(req.Id >> 8), byte(req.Id), 0x81, 0x80, 0xff, 0xff, 0x00, 0x07, 0xde, 0xad, 0xbe, 0xef, 0xc0}
		w.Write(junk)
		return
	}
	resp := new(dns.Msg)
	resp.SetReply(req)
	opt := req.IsEdns0()
	do := opt != nil && opt.Do()
	switch {
	case req.Opcode != dns.OpcodeQuery:
		resp.Rcode = dns.RcodeNotImplemented // RFC 1035 section 4.1.1
	case len(req.Question) != 1:
		resp.Rcode = dns.RcodeFormatError
	default:
		q := req.Question[0]
		a.answer(resp, dns.CanonicalName(q.Name), q.Qtype, do)
	}
	size := dns.MinMsgSize
	if opt != nil {
		resp.SetEdns0(4096, do)
		size = max(int(opt.UDPSize()), dns.MinMsgSize)
	}
	if udp {
		if a.cfg.truncate {
			resp.Truncated = true
			resp.Answer, resp.Ns = nil, nil
			resp.Extra = slices.DeleteFunc(resp.Extra, func(rr dns.RR) bool { return rr.Header().Rrtype != dns.TypeOPT })
		} else {
			resp.Truncate(size)
		}
	}
	if a.cfg.modify != nil {
		a.cfg.modify(req, resp)
	}
	w.WriteMsg(resp)
}

// zoneFor returns the zone that answers qname/qtype: the closest enclosing
// zone, except for a DS at a zone apex, answered by the parent zone (RFC
// 4035 section 3.1.4.1).
func (a *Authority) zoneFor(qname string, qtype uint16) *zone {
	z := a.closest(qname)
	if z != nil && qtype == dns.TypeDS && z.origin == qname && qname != "." {
		if p := a.closest(parentName(qname)); p != nil {
			return p
		}
	}
	return z
}

// answer fills resp for qname/qtype, following CNAMEs within the zone
// (RFC 1034 section 4.3.2, step 3.a).
func (a *Authority) answer(resp *dns.Msg, qname string, qtype uint16, do bool) {
	z := a.zoneFor(qname, qtype)
	if z == nil {
		resp.Rcode = dns.RcodeRefused
		return
	}
	resp.Authoritative = true
	name := qname
	for hop := 0; hop < 8; hop++ {
		if c := z.cut(name); c != "" && (qtype != dns.TypeDS || c != name) {
			z.referral(resp, c, do, hop == 0)
			return
		}
		if z.types[name] == nil {
			if z.ent[name] {
				z.nodata(resp, name, do) // empty non-terminal
				return
			}
			if hop == 0 {
				resp.Rcode = dns.RcodeNameError
			}
			z.nxdomain(resp, name, do)
			return
		}
		if z.set(name, qtype) != nil {
			resp.Answer = append(resp.Answer, z.withSigs(name, qtype, do)...)
			return
		}
		if cname := z.set(name, dns.TypeCNAME); cname != nil && qtype != dns.TypeCNAME {
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
	out := slices.Clone(z.set(name, t))
	if do {
		out = append(out, z.sets[rrKey{name: name, t: t, sig: true}]...)
	}
	return out
}

func (z *zone) soa(resp *dns.Msg, do bool) {
	resp.Ns = append(resp.Ns, z.withSigs(z.origin, dns.TypeSOA, do)...)
}

func (z *zone) nodata(resp *dns.Msg, name string, do bool) {
	z.soa(resp, do)
	if !do || z.key == nil {
		return
	}
	if z.set(name, dns.TypeNSEC) != nil {
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
	for ce != z.origin && z.types[ce] == nil && !z.ent[ce] {
		ce = parentName(ce)
	}
	z.covering(resp, "*."+ce)
}

// covering adds the NSEC record whose interval holds name, once.
func (z *zone) covering(resp *dns.Msg, name string) {
	if len(z.nsec) == 0 {
		return
	}
	i, found := slices.BinarySearchFunc(z.nsec, name, dnsname.Compare)
	owner := z.nsec[(i-1+len(z.nsec))%len(z.nsec)]
	if found {
		owner = z.nsec[i]
	}
	for _, rr := range resp.Ns {
		if rr.Header().Rrtype == dns.TypeNSEC && rr.Header().Name == owner {
			return
		}
	}
	resp.Ns = append(resp.Ns, z.withSigs(owner, dns.TypeNSEC, true)...)
}

// referral answers for a name at or below the delegation point cut: the
// NS set, the DS set or the proof that there is none, and glue, A and
// AAAA (RFC 4035 section 3.1.4). A referral met after a CNAME keeps the
// AA bit of the alias.
func (z *zone) referral(resp *dns.Msg, cut string, do, first bool) {
	if first {
		resp.Authoritative = false
	}
	resp.Ns = append(resp.Ns, z.set(cut, dns.TypeNS)...)
	if do && z.key != nil {
		if z.set(cut, dns.TypeDS) != nil {
			resp.Ns = append(resp.Ns, z.withSigs(cut, dns.TypeDS, true)...)
		} else {
			resp.Ns = append(resp.Ns, z.withSigs(cut, dns.TypeNSEC, true)...)
		}
	}
	for _, rr := range z.set(cut, dns.TypeNS) {
		target := dns.CanonicalName(rr.(*dns.NS).Ns)
		resp.Extra = append(resp.Extra, z.set(target, dns.TypeA)...)
		resp.Extra = append(resp.Extra, z.set(target, dns.TypeAAAA)...)
	}
}
