package dnsprobe

import (
	"context"
	"crypto/rsa"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/audit"
)

func newKeytrapProber(t testing.TB, z *keytrapZone) *Prober {
	t.Helper()
	p, err := New(Config{Server: z.Addr, Anchors: z.Anchors, AnchorName: "lab", Timeout: time.Second, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// honestVerifications is what a correctly signed keytrap.test costs: the
// DNSKEY set of ".", the DS and DNSKEY sets of test. and of keytrap.test.,
// and the SOA of keytrap.test.
const honestVerifications = 6

// TestKeyTrap validates hostile zones of the KeyTrap family: each ends as
// indeterminate, with the bound that stopped it, after few verifications.
func TestKeyTrap(t *testing.T) {
	tests := []struct {
		name   string
		opts   keytrapOptions
		status string
		limit  string
		reason string
		// verifications is the exact number the validation makes.
		verifications int
	}{{
		name:          "correctly signed",
		status:        audit.DNSSECSecure,
		reason:        "chain of trust verified from lab KSK",
		verifications: honestVerifications,
	}, {
		name:          "the key repeated hundreds of times counts once",
		opts:          keytrapOptions{copies: 300},
		status:        audit.DNSSECSecure,
		reason:        "chain of trust verified from lab KSK",
		verifications: honestVerifications,
	}, {
		name:          "hundreds of keys sharing a tag",
		opts:          keytrapOptions{colliding: 300, badSigs: 7},
		status:        audit.DNSSECIndeterminate,
		limit:         audit.DNSSECLimitRecords,
		reason:        "DNSKEY set of keytrap.test: 301 keys, more than the 32 vigie accepts",
		verifications: 4, // up to the DS of keytrap.test
	}, {
		name:   "keys sharing a tag, under the set's limit",
		opts:   keytrapOptions{colliding: 20, badSigs: 7},
		status: audit.DNSSECIndeterminate,
		limit:  audit.DNSSECLimitKeysPerTag,
		reason: "keytrap.test/SOA: more than 2 keys share key tag ",
		// The DNSKEY set is verified with the key its DS names only:
		// 7 failures, then the good RRSIG. Over the SOA, 8 RRSIGs are
		// tried, each with 2 of the 21 keys.
		verifications: 4 + 8 + maxRRSIGsTried*maxKeysPerTag,
	}, {
		name:          "more RRSIGs than tried",
		opts:          keytrapOptions{badSigs: 8},
		status:        audit.DNSSECIndeterminate,
		limit:         audit.DNSSECLimitSignatures,
		reason:        "DNSKEY set of keytrap.test: 9 RRSIGs over one RRset, 8 tried, none verified (RRSIG by key ",
		verifications: 4 + maxRRSIGsTried,
	}, {
		name:          "many RRSIGs per RRset",
		opts:          keytrapOptions{badSigs: 20, badAfter: 20},
		status:        audit.DNSSECIndeterminate,
		limit:         audit.DNSSECLimitSignatures,
		reason:        "DNSKEY set of keytrap.test: 41 RRSIGs over one RRset, more than the 16 vigie accepts",
		verifications: 4,
	}, {
		name:          "RRSIGs that fail, then the good one",
		opts:          keytrapOptions{badSigs: 3},
		status:        audit.DNSSECSecure,
		reason:        "chain of trust verified from lab KSK",
		verifications: honestVerifications + 3 + 3, // over the DNSKEY and SOA sets
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			z := newKeytrapZone(t, tc.opts)
			p := newKeytrapProber(t, z)
			obs := p.Probe(context.Background(), "keytrap.test")
			got := obs.DNSSEC
			if got.Status != tc.status || got.Limit != tc.limit || !strings.HasPrefix(got.Reason, tc.reason) {
				t.Errorf("status %q, limit %q, reason %q; want %q, %q, reason starting %q", got.Status, got.Limit, got.Reason, tc.status, tc.limit, tc.reason)
			}
			if obs.DNSSECVerifications != tc.verifications {
				t.Errorf("%d verifications, want %d", obs.DNSSECVerifications, tc.verifications)
			}
			if tc.status != audit.DNSSECSecure {
				last := got.Chain[len(got.Chain)-1]
				if last.Zone != "keytrap.test" || last.Status != tc.status {
					t.Errorf("last link %+v, want keytrap.test %s", last, tc.status)
				}
			}
			// A second audit of the same Prober verifies nothing again.
			again := p.Probe(context.Background(), "keytrap.test")
			if again.DNSSECVerifications != tc.verifications || again.DNSSEC.Status != tc.status {
				t.Errorf("second probe: %d verifications, status %s; want %d, %s", again.DNSSECVerifications, again.DNSSEC.Status, tc.verifications, tc.status)
			}
		})
	}
}

// TestKeyTrapBudget spends the audit's budget with validated queries (as
// the mail probe makes for the TLSA records of each MX host): each TLSA set
// carries 8 RRSIGs that fail before the good one. Once the budget is
// spent, the queries are indeterminate, and what was verified before is
// still known.
func TestKeyTrapBudget(t *testing.T) {
	z := newKeytrapZone(t, keytrapOptions{badTLSA: maxRRSIGsTried})
	p := newKeytrapProber(t, z)
	ctx := context.Background()
	spentAt := -1
	for i := range keytrapMX {
		rrs, _, status, reason, err := p.QueryValidated(ctx, keytrapTLSAName(i), dns.TypeTLSA)
		if err != nil || len(rrs) != 1 {
			t.Fatalf("TLSA %d: %d records, error %v", i, len(rrs), err)
		}
		if status != audit.DNSSECIndeterminate {
			t.Fatalf("TLSA %d: status %q (%s), want indeterminate", i, status, reason)
		}
		if strings.Contains(reason, "budget of 256 signature verifications is spent") {
			if spentAt < 0 {
				spentAt = i
			}
		} else if spentAt >= 0 || !strings.Contains(reason, "9 RRSIGs over one RRset, 8 tried") {
			t.Fatalf("TLSA %d: reason %q", i, reason)
		}
		if n := p.Verifications(); n > maxVerifications {
			t.Fatalf("TLSA %d: %d verifications, over the budget of %d", i, n, maxVerifications)
		}
	}
	// The chain, then 8 per TLSA set: the 32nd set meets the end of
	// the budget.
	if want := (maxVerifications - honestVerifications) / maxRRSIGsTried; spentAt != want {
		t.Errorf("budget spent at TLSA %d, want %d", spentAt, want)
	}
	if n := p.Verifications(); n != maxVerifications {
		t.Errorf("%d verifications, want the whole budget %d", n, maxVerifications)
	}
	// The domain's chain of trust was verified before the budget ran
	// out and is still known; its SOA set, which no TLSA answer
	// needed, finds the budget spent.
	obs := p.Probe(ctx, "keytrap.test")
	if obs.DNSSEC.Status != audit.DNSSECIndeterminate || obs.DNSSEC.Limit != audit.DNSSECLimitVerifications || obs.DNSSECVerifications != maxVerifications {
		t.Errorf("probe after the budget: %s (%s), limit %q, %d verifications; want indeterminate, %q, %d", obs.DNSSEC.Status, obs.DNSSEC.Reason, obs.DNSSEC.Limit, obs.DNSSECVerifications, audit.DNSSECLimitVerifications, maxVerifications)
	}
	for _, z := range obs.DNSSEC.Chain[:len(obs.DNSSEC.Chain)-1] {
		if z.Status != audit.DNSSECSecure {
			t.Errorf("probe after the budget: zone %s %s, want secure (verified before)", z.Zone, z.Status)
		}
	}
	// A fresh Prober (a new audit) has a budget of its own.
	_, _, status, reason, _ := newKeytrapProber(t, z).QueryValidated(ctx, keytrapTLSAName(keytrapMX-1), dns.TypeTLSA)
	if status != audit.DNSSECIndeterminate || !strings.Contains(reason, "8 tried") {
		t.Errorf("fresh prober: %s, %s; want indeterminate after 8 tries", status, reason)
	}
}

// TestVerifyRRsetBounds checks the bounds of one RRset's verification
// without a server: the context, between verifications, and the budget.
func TestVerifyRRsetBounds(t *testing.T) {
	k, priv := parentKey(t)
	rr, _ := dns.NewRR("test. 300 IN TXT \"hello\"")
	good := signRR(t, rr, k, priv)
	set, sigs, keys := []dns.RR{rr}, []*dns.RRSIG{good}, []*dns.DNSKEY{k}
	var le *limitError

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ver := newVerifier(maxVerifications)
	if err := ver.verifyRRset(ctx, set, sigs, keys, "test.", testNow); !errors.As(err, &le) || le.limit != audit.DNSSECLimitDeadline {
		t.Errorf("cancelled context: %v, want the deadline limit", err)
	}
	if n := ver.count(); n != 0 {
		t.Errorf("cancelled context: %d verifications, want 0", n)
	}

	ver = newVerifier(1)
	other := *good
	other.Signature = good.Signature[:8] + strings.Repeat("A", len(good.Signature)-8)
	if err := ver.verifyRRset(context.Background(), set, []*dns.RRSIG{&other, good}, keys, "test.", testNow); !errors.As(err, &le) || le.limit != audit.DNSSECLimitVerifications {
		t.Errorf("budget of 1, bad RRSIG first: %v, want the verifications limit", err)
	}
	if n := ver.count(); n != 1 {
		t.Errorf("budget of 1: %d verifications, want 1", n)
	}
	// Remembered: the bad RRSIG costs nothing the second time, and
	// the budget is not consulted for it.
	if err := ver.verifyRRset(context.Background(), set, []*dns.RRSIG{&other}, keys, "test.", testNow); err == nil || errors.As(err, &le) {
		t.Errorf("bad RRSIG again: %v, want a failure, not a limit", err)
	}
}

// BenchmarkKeyTrap runs one audit's DNSSEC work against hostile zones:
// the domain's validation and a validated TLSA query for each of ten MX
// hosts, with 7 RRSIGs that fail before the good one over every RRset,
// and 300 keys sharing the tag of the real one (refused), or 20 (tried
// two at a time). The CPU counts the DNS test server's too.
func BenchmarkKeyTrap(b *testing.B) {
	for _, colliding := range []int{300, 20} {
		b.Run(fmt.Sprintf("colliding=%d", colliding), func(b *testing.B) {
			z := newKeytrapZone(b, keytrapOptions{colliding: colliding, badSigs: 7, badTLSA: 7})
			ctx := context.Background()
			verifications := 0
			cpu := cpuTime()
			for b.Loop() {
				p := newKeytrapProber(b, z)
				if obs := p.Probe(ctx, "keytrap.test"); obs.DNSSEC.Status != audit.DNSSECIndeterminate {
					b.Fatalf("status %s (%s), want indeterminate", obs.DNSSEC.Status, obs.DNSSEC.Reason)
				}
				for i := range 10 {
					p.QueryValidated(ctx, keytrapTLSAName(i), dns.TypeTLSA)
				}
				verifications += p.Verifications()
			}
			reportCPU(b, cpu)
			b.ReportMetric(float64(verifications)/float64(b.N), "verifications/op")
		})
	}
}

// fakeRSAKey returns a DNSKEY of "test." with a 4096-bit modulus (not a
// product of two primes: a verification with it fails, after the whole
// computation) and the given exponent.
func fakeRSAKey(i int, exponent ...byte) *dns.DNSKEY {
	pub := append([]byte{byte(len(exponent))}, exponent...)
	for j := range 512 / sha512.Size {
		h := sha512.Sum512(fmt.Appendf(nil, "modulus %d %d", i, j))
		pub = append(pub, h[:]...)
	}
	pub[1+len(exponent)] |= 0x80 // a full 4096 bits
	pub[len(pub)-1] |= 1         // odd
	return &dns.DNSKEY{Hdr: dns.RR_Header{Name: "test.", Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: 257, Protocol: 3, Algorithm: dns.RSASHA512, PublicKey: base64.StdEncoding.EncodeToString(pub)}
}

// rsaSignature returns an RRSIG over the DNSKEY set of "test." by k that
// does not verify.
func rsaSignature(k *dns.DNSKEY) *dns.RRSIG {
	b := make([]byte, 512)
	for i := range b {
		b[i] = byte(i)
	}
	return &dns.RRSIG{Hdr: dns.RR_Header{Name: "test.", Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: 3600},
		TypeCovered: dns.TypeDNSKEY, Algorithm: dns.RSASHA512, Labels: 1, OrigTtl: 3600, KeyTag: k.KeyTag(), SignerName: "test.",
		Inception: uint32(testNow.Add(-time.Hour).Unix()), Expiration: uint32(testNow.Add(time.Hour).Unix()),
		Signature: base64.StdEncoding.EncodeToString(b)}
}

// TestCostlyKey checks that an RSA key with a large exponent, whose
// verification costs ten times more, is not used.
func TestCostlyKey(t *testing.T) {
	k := fakeRSAKey(0, 0x7f, 0xff, 0xff, 0xff)
	ver := newVerifier(maxVerifications)
	var le *limitError
	if err := ver.verifyRRset(context.Background(), []dns.RR{k}, []*dns.RRSIG{rsaSignature(k)}, []*dns.DNSKEY{k}, "test.", testNow); !errors.As(err, &le) || le.limit != audit.DNSSECLimitKeyCost {
		t.Errorf("exponent 2^31-1: %v, want the key cost limit", err)
	}
	k = fakeRSAKey(0, 1, 0, 1)
	if err := ver.verifyRRset(context.Background(), []dns.RR{k}, []*dns.RRSIG{rsaSignature(k)}, []*dns.DNSKEY{k}, "test.", testNow); err == nil || errors.As(err, &le) {
		t.Errorf("exponent 65537: %v, want a failed verification", err)
	}
	if n := ver.count(); n != 1 {
		t.Errorf("%d verifications, want 1 (with exponent 65537 only)", n)
	}
}

// BenchmarkVerification measures the costliest signature verification
// the validator makes, which bounds the CPU of a whole budget
// (maxVerifications): RSA/SHA-512 with a 4096-bit modulus and the
// exponent 65537, over a DNSKEY set of maxDNSKEYs such keys.
func BenchmarkVerification(b *testing.B) {
	var set []dns.RR
	for i := range maxDNSKEYs {
		set = append(set, fakeRSAKey(i, 1, 0, 1))
	}
	k := set[0].(*dns.DNSKEY)
	sig := rsaSignature(k)
	if err := sig.Verify(k, set); !errors.Is(err, rsa.ErrVerification) {
		b.Fatalf("Verify: %v, want %v (the whole computation)", err, rsa.ErrVerification)
	}
	cpu := cpuTime()
	for b.Loop() {
		sig.Verify(k, set)
	}
	reportCPU(b, cpu)
}

// reportCPU reports the CPU time per operation since start (wall time,
// ns/op, counts the waits of a busy machine too).
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op")
}
