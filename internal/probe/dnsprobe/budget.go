package dnsprobe

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/audit"
)

// Budgets of DNSSEC validation.
//
// A zone can make a validator work for minutes with a few kilobytes of
// records: DNSKEYs that share one key tag and algorithm, and many RRSIGs
// over each RRset, so that every signature must be tried with every key
// (CVE-2023-50387, "KeyTrap"). A validator that follows RFC 4035 section
// 5.3.1 to the letter tries them all. Since 2024 resolvers bound this
// work: Unbound 1.19.1 verifies at most 8 RRSIGs per RRset and fails
// the validation past that; BIND 9.18.24 stops at the first failed
// verification, and BIND 9.20 allows 16 verifications (and one failure)
// per fetch. vigie does the same, with these figures:
//
//   - identical records (same owner, type and RDATA) count once (RFC 2181
//     section 5), keys and signatures included;
//   - a DNSKEY set of more than maxDNSKEYs keys, a DS set of more than
//     maxDS records, more than maxNSEC3 NSEC3 records in one answer, or
//     more than maxRRSIGs RRSIGs over one RRset are refused unverified;
//   - for one RRset, at most maxRRSIGsTried RRSIGs are tried, each with
//     at most maxKeysPerTag of the keys that match its key tag and
//     algorithm: at most 16 verifications per RRset, as in BIND;
//   - RSA keys with an exponent over maxRSAExponent are not used: the cost
//     of an RSA verification grows with the exponent's length (with a
//     4096-bit modulus, a 31-bit exponent costs ten times what 65537 does),
//     and DNSSEC signers use 65537 (BIND's large exponent, 2^32+1, is
//     beyond what miekg/dns reads anyway);
//   - one Prober (one audit) makes at most maxVerifications signature
//     verifications in all, checks its context before each, and never
//     verifies the same RRset, RRSIG and key twice.
//
// When a bound stops the validation before every candidate was tried,
// the status is indeterminate (not bogus: the data may be right, vigie
// did not find out), and DNSSECObservation.Limit says which bound.
const (
	maxDNSKEYs     = 32
	maxDS          = 16
	maxNSEC3       = 16
	maxRRSIGs      = 16
	maxRRSIGsTried = 8
	maxKeysPerTag  = 2
	maxRSAExponent = 65537
	// maxVerifications is the budget of one audit. An honest audit
	// needs one verification per RRset: for the domain, the DNSKEY
	// set of the anchor's zone, then a DS and a DNSKEY set per zone
	// below, then the domain's own records (6 for example.fr); each
	// MX host's TLSA query adds its own zones' links and its TLSA set
	// (about 5 for a host in another zone, fewer when zones are
	// shared, which the cache makes free). Ten MX hosts in ten zones
	// come to about 60. 256 leaves room for zones signed twice during
	// an algorithm rollover and for deeper trees, and it is 16
	// RRsets' worth of BIND's per-fetch limit. Its cost is bounded:
	// the costliest verification vigie makes (RSA with a 4096-bit
	// modulus and the exponent 65537, over a full DNSKEY set of
	// maxDNSKEYs such keys) takes about 1.1 ms of CPU on a busy 2-core
	// machine (BenchmarkVerification), so that a whole budget stays
	// near 0.3 s.
	maxVerifications = 256
)

// limitError says that a bound of the validator, not the data, stopped a
// verification: the status is then indeterminate.
type limitError struct {
	limit string // an audit.DNSSECLimit value
	msg   string
}

func (e *limitError) Error() string { return e.msg }

// verifier makes the signature verifications of one Prober: it counts
// them against the budget and remembers each result, so that an RRset,
// RRSIG and key met again (by another probe's validated query) cost
// nothing. It is safe for concurrent use.
type verifier struct {
	budget int

	mu    sync.Mutex
	spent int
	done  map[[sha256.Size]byte]*verification
}

// verification is one verification in flight or done.
type verification struct {
	done chan struct{}
	err  error
}

func newVerifier(budget int) *verifier {
	return &verifier{budget: budget, done: map[[sha256.Size]byte]*verification{}}
}

// count returns the number of verifications made.
func (v *verifier) count() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.spent
}

// verify checks sig over set with key, once per Prober: a second call
// with the same inputs returns the first result. setID identifies set
// (see rrsetID). It returns a *limitError when the budget is spent or
// ctx is done; the error of the verification otherwise.
func (v *verifier) verify(ctx context.Context, setID [sha256.Size]byte, set []dns.RR, sig *dns.RRSIG, key *dns.DNSKEY) error {
	h := sha256.New()
	h.Write(setID[:])
	h.Write(packed(sig))
	h.Write(packed(key))
	var id [sha256.Size]byte
	h.Sum(id[:0])

	v.mu.Lock()
	if e, ok := v.done[id]; ok {
		v.mu.Unlock()
		select {
		case <-e.done:
			return e.err
		case <-ctx.Done():
			return deadlineError(ctx)
		}
	}
	if ctx.Err() != nil {
		v.mu.Unlock()
		return deadlineError(ctx)
	}
	if v.spent >= v.budget {
		v.mu.Unlock()
		return &limitError{audit.DNSSECLimitVerifications, fmt.Sprintf("the audit's budget of %d signature verifications is spent", v.budget)}
	}
	v.spent++
	e := &verification{done: make(chan struct{})}
	v.done[id] = e
	v.mu.Unlock()
	e.err = sig.Verify(key, set)
	close(e.done)
	return e.err
}

func deadlineError(ctx context.Context) error {
	return &limitError{audit.DNSSECLimitDeadline, fmt.Sprintf("validation stopped: %v", ctx.Err())}
}

// packed returns rr in uncompressed wire form, or its presentation form
// if it cannot be packed (an identifier, not data to send).
func packed(rr dns.RR) []byte {
	buf := make([]byte, dns.Len(rr)+1)
	n, err := dns.PackRR(rr, buf, 0, nil, false)
	if err != nil {
		return []byte(rr.String())
	}
	return buf[:n]
}

// rrsetID identifies set for the verifier's memory: the digest of its
// records as they are, in order.
func rrsetID(set []dns.RR) [sha256.Size]byte {
	h := sha256.New()
	for _, rr := range set {
		b := packed(rr)
		fmt.Fprintf(h, "%d:", len(b))
		h.Write(b)
	}
	var id [sha256.Size]byte
	h.Sum(id[:0])
	return id
}

// dedupe returns rrs without repeated records (same owner, class, type
// and RDATA, whatever the TTL): RFC 2181 section 5 makes an RRset a set,
// and RFC 4034 section 6.3 drops duplicates from what is signed.
func dedupe[T dns.RR](rrs []T) []T {
	seen := make(map[string]bool, len(rrs))
	var out []T
	for _, rr := range rrs {
		h := rr.Header()
		k := fmt.Sprintf("%s %d %d %s", strings.ToLower(h.Name), h.Class, h.Rrtype, strings.TrimPrefix(rr.String(), h.String()))
		if !seen[k] {
			seen[k] = true
			out = append(out, rr)
		}
	}
	return out
}

// limited reports whether a bound of the validator caused err (a
// *limitError, wrapped or not); if so it makes the status indeterminate,
// with err as the reason.
func (v *validator) limited(err error) bool {
	var le *limitError
	if !errors.As(err, &le) {
		return false
	}
	v.set(audit.DNSSECIndeterminate, err.Error())
	v.obs.Limit = le.limit
	return true
}

// refuse makes the status indeterminate because a record set is larger
// than the validator accepts.
func (v *validator) refuse(reason string) {
	v.set(audit.DNSSECIndeterminate, reason)
	v.obs.Limit = audit.DNSSECLimitRecords
}

// rsaExponent returns the public exponent of an RSA DNSKEY (RFC 3110
// section 2), or 0 when the key cannot be read (miekg/dns then refuses
// it).
func rsaExponent(k *dns.DNSKEY) uint64 {
	b, err := decodeBase64(k.PublicKey)
	if err != nil || len(b) < 3 {
		return 0
	}
	n, off := int(b[0]), 1
	if n == 0 {
		n, off = int(b[1])<<8|int(b[2]), 3
	}
	if n > 8 || off+n > len(b) {
		return 0
	}
	var e uint64
	for _, c := range b[off : off+n] {
		e = e<<8 | uint64(c)
	}
	return e
}
