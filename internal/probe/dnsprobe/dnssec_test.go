package dnsprobe

import (
	"context"
	"crypto"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/audit"
)

var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// parentKey makes a signing key for the zone "test.".
func parentKey(t testing.TB) (*dns.DNSKEY, crypto.Signer) {
	t.Helper()
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: "test.", Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: 257, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	priv, err := k.Generate(256)
	if err != nil {
		t.Fatal(err)
	}
	return k, priv.(crypto.Signer)
}

func signRR(t testing.TB, rr dns.RR, k *dns.DNSKEY, priv crypto.Signer) *dns.RRSIG {
	t.Helper()
	sig := &dns.RRSIG{Hdr: dns.RR_Header{Name: rr.Header().Name, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: rr.Header().Ttl},
		Algorithm: k.Algorithm, KeyTag: k.KeyTag(), SignerName: k.Hdr.Name,
		Inception: uint32(testNow.Add(-time.Hour).Unix()), Expiration: uint32(testNow.Add(time.Hour).Unix())}
	if err := sig.Sign(priv, []dns.RR{rr}); err != nil {
		t.Fatal(err)
	}
	return sig
}

// successor returns the base32hex string just after h.
func successor(h string) string {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUV"
	b := []byte(h)
	for i := len(b) - 1; i >= 0; i-- {
		j := strings.IndexByte(digits, b[i])
		if j < len(digits)-1 {
			b[i] = digits[j+1]
			return string(b)
		}
		b[i] = '0'
	}
	return string(b)
}

func nsec3(owner, next string, optOut bool, iterations uint16, types ...uint16) *dns.NSEC3 {
	var flags uint8
	if optOut {
		flags = 1
	}
	return &dns.NSEC3{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeNSEC3, Class: dns.ClassINET, Ttl: 300},
		Hash: dns.SHA1, Flags: flags, Iterations: iterations, SaltLength: 0, Salt: "",
		HashLength: 20, NextDomain: next, TypeBitMap: types}
}

// TestNoDSNSEC3 checks the NSEC3 proofs that a delegation has no DS (RFC
// 5155 sections 8.5 and 8.6), which dnstest does not produce.
func TestNoDSNSEC3(t *testing.T) {
	k, priv := parentKey(t)
	low := strings.Repeat("0", 32)
	high := strings.Repeat("V", 32)
	hash := func(name string, iter uint16) string { return dns.HashName(name, dns.SHA1, iter, "") }
	exact := nsec3(hash("example.test.", 0)+".test.", high, false, 0, dns.TypeNS)
	exactDS := nsec3(hash("example.test.", 0)+".test.", high, false, 0, dns.TypeNS, dns.TypeDS)
	// The apex's interval holds no other hash: chains do not overlap.
	apex := nsec3(hash("test.", 0)+".test.", successor(hash("test.", 0)), false, 0, dns.TypeSOA, dns.TypeNS, dns.TypeDNSKEY)
	optOut := nsec3(low+".test.", high, true, 0)
	noOptOut := nsec3(low+".test.", high, false, 0)
	costly := nsec3(hash("example.test.", 500)+".test.", high, false, 500, dns.TypeNS)
	tests := []struct {
		name   string
		rrs    []dns.NSEC3
		signed bool
		status string
		reason string
	}{
		{"matching NSEC3", []dns.NSEC3{*exact}, true, "insecure", "no DS for example.test in test"},
		{"matching NSEC3 lists a DS", []dns.NSEC3{*exactDS}, true, "bogus", "no DS for example.test given, but its NSEC3 in test lists one"},
		{"opt-out span", []dns.NSEC3{*apex, *optOut}, true, "insecure", "no DS for example.test in test (NSEC3 opt-out)"},
		{"covered without opt-out", []dns.NSEC3{*apex, *noOptOut}, true, "bogus", "NSEC3 in test says example.test does not exist, without opt-out"},
		{"no closest encloser", []dns.NSEC3{*optOut}, true, "bogus", "the NSEC3 records from test prove nothing about example.test"},
		{"unsigned", []dns.NSEC3{*exact}, false, "bogus", "NSEC3 proving no DS for example.test: no RRSIG"},
		{"too many iterations", []dns.NSEC3{*costly}, true, "insecure", "no DS for example.test in test: NSEC3 with 500 iterations, over 150, not checked (RFC 9276)"},
		{"nothing", nil, true, "bogus", "no DS for example.test and no signed NSEC or NSEC3 from test proving there is none"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := new(dns.Msg)
			for i := range tc.rrs {
				rr := &tc.rrs[i]
				m.Ns = append(m.Ns, rr)
				if tc.signed {
					m.Ns = append(m.Ns, signRR(t, rr, k, priv))
				}
			}
			v := newTestValidator()
			status, reason := v.noDS(m, "example.test.", "test.", []*dns.DNSKEY{k})
			if status != tc.status || reason != tc.reason {
				t.Errorf("noDS = %q, %q; want %q, %q", status, reason, tc.status, tc.reason)
			}
		})
	}
}

// newTestValidator returns a validator without a session, for the
// functions that judge answers already fetched.
func newTestValidator() *validator {
	return &validator{ver: newVerifier(maxVerifications), ctx: context.Background(), now: testNow, obs: &audit.DNSSECObservation{}}
}

func TestVerifyRRset(t *testing.T) {
	ctx := context.Background()
	k, priv := parentKey(t)
	rr, _ := dns.NewRR("test. 300 IN TXT \"hello\"")
	good := signRR(t, rr, k, priv)
	expired := *good
	expired.Expiration = uint32(testNow.Add(-time.Minute).Unix())
	future := *good
	future.Inception = uint32(testNow.Add(time.Minute).Unix())
	otherSigner := *good
	otherSigner.SignerName = "example."
	otherTag := *good
	otherTag.KeyTag++
	tests := []struct {
		name string
		sigs []*dns.RRSIG
		want string
	}{
		{"good", []*dns.RRSIG{good}, ""},
		{"none", nil, "no RRSIG"},
		{"expired", []*dns.RRSIG{&expired}, "does not verify"}, // the expiration is signed data
		{"good among bad", []*dns.RRSIG{&otherSigner, &otherTag, good}, ""},
		{"other signer", []*dns.RRSIG{&otherSigner}, "RRSIG made by example, not test"},
		{"unknown key", []*dns.RRSIG{&otherTag}, "no trusted DNSKEY with tag"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := newVerifier(maxVerifications).verifyRRset(ctx, []dns.RR{rr}, tc.sigs, []*dns.DNSKEY{k}, "test.", testNow)
			if tc.want == "" {
				if err != nil {
					t.Errorf("verifyRRset: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("verifyRRset error %v, want %q", err, tc.want)
			}
		})
	}
	// A signature valid only later, checked at an earlier time.
	if err := newVerifier(maxVerifications).verifyRRset(ctx, []dns.RR{rr}, []*dns.RRSIG{good}, []*dns.DNSKEY{k}, "test.", testNow.Add(-2*time.Hour)); err == nil || !strings.Contains(err.Error(), "not valid before") {
		t.Errorf("early verification error %v, want not valid before", err)
	}
	if err := newVerifier(maxVerifications).verifyRRset(ctx, []dns.RR{rr}, []*dns.RRSIG{good}, []*dns.DNSKEY{k}, "test.", testNow.Add(2*time.Hour)); err == nil || !strings.Contains(err.Error(), "expired on") {
		t.Errorf("late verification error %v, want expired", err)
	}
}

func TestCompareNames(t *testing.T) {
	// RFC 4034 section 6.1 example, in order.
	names := []string{"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.", "zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.", "\\200.z.example."}
	for i := 0; i+1 < len(names); i++ {
		if c := compareNames(names[i], names[i+1]); c >= 0 {
			t.Errorf("compareNames(%q, %q) = %d, want < 0", names[i], names[i+1], c)
		}
	}
}

// FuzzMessage feeds arbitrary DNS messages to the code that judges
// answers: the proof of absence of a DS, referrals, key sizes, signature
// checks. None may panic.
func FuzzMessage(f *testing.F) {
	k, priv := parentKey(f)
	exact := nsec3(dns.HashName("example.test.", dns.SHA1, 0, "")+".test.", strings.Repeat("V", 32), false, 0, dns.TypeNS)
	m := new(dns.Msg)
	m.SetQuestion("example.test.", dns.TypeDS)
	m.Ns = []dns.RR{exact, signRR(f, exact, k, priv)}
	m.Answer = []dns.RR{k, signRR(f, k, k, priv)}
	if b, err := m.Pack(); err == nil {
		f.Add(b)
	}
	// A KeyTrap answer: keys sharing the tag of k, failing RRSIGs.
	m = new(dns.Msg)
	m.SetQuestion("test.", dns.TypeDNSKEY)
	good := signRR(f, k, k, priv)
	for _, c := range collidingKeys(f, k, 40) {
		m.Answer = append(m.Answer, c)
	}
	for i := range 20 {
		bad := *good
		bad.Inception += uint32(i)
		m.Answer = append(m.Answer, &bad)
	}
	m.Answer = append(m.Answer, k, good)
	if b, err := m.Pack(); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m := new(dns.Msg)
		if err := m.Unpack(b); err != nil {
			return
		}
		v := newTestValidator()
		v.noDS(m, "example.test.", "test.", []*dns.DNSKEY{k})
		isReferral(m, "example.test.")
		var keys []*dns.DNSKEY
		for _, rr := range m.Answer {
			if dk, ok := rr.(*dns.DNSKEY); ok {
				keyBits(dk)
				keys = append(keys, dk)
			}
		}
		for _, rr := range m.Answer {
			h := rr.Header()
			set := records(m.Answer, h.Name, h.Rrtype)
			v.ver.verifyRRset(v.ctx, set, signatures(m.Answer, h.Name, h.Rrtype), append(keys, k), dns.CanonicalName(h.Name), testNow)
			if ds, ok := rr.(*dns.DS); ok {
				for _, dk := range keys {
					dsMatches(ds, dk)
				}
			}
		}
	})
}
