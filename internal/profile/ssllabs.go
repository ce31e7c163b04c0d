package profile

// The ssllabs profile grades TLS in the manner of the Qualys SSL Labs
// rating, written from its published documentation:
//
//   - "SSL Server Rating Guide", version 2009r,
//     https://github.com/ssllabs/research/wiki/SSL-Server-Rating-Guide
//     (protocol support 30%, key exchange 30%, cipher strength 40%; each
//     sub-score the mean of the best and the worst; the numeric grade
//     table A >= 80, B >= 65, C >= 50, D >= 35, E >= 20, F below);
//   - the guide's later changes announced on the Qualys blog (2014 to
//     2020): SSLv3 or RC4 cap at C or B, TLS 1.0 and 1.1 cap at B (2020),
//     no forward secrecy or no AEAD suite cap at B, 3DES caps at C,
//     insecure renegotiation caps at C, EXPORT, NULL and anonymous suites
//     give F, an invalid certificate gives T (shown here as F, with the
//     reason), a key under 1024 bits F, under 2048 bits B.
//
// It is "in the manner of": SSL Labs also tests vulnerabilities (Heartbleed,
// ROBOT...) that vigie does not probe, and its A+ and A- (HSTS, warnings)
// are left out: the grade is A to F.

import (
	"fmt"
	"slices"
	"strings"

	"vigie.eu/vigie/internal/audit"
)

const sslLabsGuide = "SSL Labs SSL Server Rating Guide 2009r with its 2014-2020 caps (github.com/ssllabs/research/wiki/SSL-Server-Rating-Guide)"

var sslGrades = []string{"A", "B", "C", "D", "E", "F"}

// SSLLabs grades the TLS hosts of o and returns the worst, or nil when no
// TLS handshake was observed.
func SSLLabs(o *audit.Observations) *audit.SSLLabsScore {
	if o == nil {
		return nil
	}
	var worst *audit.SSLLabsScore
	for _, t := range o.TLS {
		s := sslLabsHost(t, o)
		if s == nil {
			continue
		}
		if worst == nil || slices.Index(sslGrades, s.Grade) > slices.Index(sslGrades, worst.Grade) ||
			(s.Grade == worst.Grade && s.Score < worst.Score) {
			worst = s
		}
	}
	return worst
}

func sslLabsHost(t *audit.TLSObservation, o *audit.Observations) *audit.SSLLabsScore {
	if t == nil || t.Error != "" {
		return nil
	}
	protoScore := map[string]int{audit.SSL30: 80, audit.TLS10: 90, audit.TLS11: 95, audit.TLS12: 100, audit.TLS13: 100}
	best, worstProto := -1, 101
	var suites []audit.CipherSuite
	accepted := map[string]bool{}
	for _, p := range t.Protocols {
		if !p.Accepted {
			continue
		}
		accepted[p.Version] = true
		v := protoScore[p.Version]
		best, worstProto = max(best, v), min(worstProto, v)
		suites = append(suites, p.Suites...)
	}
	if best < 0 {
		return nil
	}
	s := &audit.SSLLabsScore{Guide: sslLabsGuide, Host: t.Host, Protocol: (best + worstProto) / 2}
	capAt := func(grade, why string) {
		s.Caps = append(s.Caps, grade+": "+why)
	}

	// Key exchange: the strength of the server's key, as the guide's
	// table gives it (EC keys counted at their RSA equivalent).
	bits := 0
	if len(t.Certificates) > 0 {
		c := t.Certificates[0]
		bits = c.KeyBits
		if c.KeyType == "ECDSA" || c.KeyType == "Ed25519" {
			bits = c.KeyBits * 12 // 256-bit EC is about 3072-bit RSA (NIST SP 800-57)
		}
	}
	switch {
	case slices.ContainsFunc(suites, func(c audit.CipherSuite) bool { return c.KeyExchange == "anon" }):
		s.KeyExchange = 0
	case bits == 0:
		s.KeyExchange = 90 // certificate not seen: not penalised
	case bits < 512:
		s.KeyExchange = 20
	case bits < 1024:
		s.KeyExchange = 40
	case bits < 2048:
		s.KeyExchange = 80
	case bits < 4096:
		s.KeyExchange = 90
	default:
		s.KeyExchange = 100
	}

	// Cipher strength: the mean of the strongest and weakest cipher.
	strength := func(b int) int {
		switch {
		case b == 0:
			return 0
		case b < 128:
			return 20
		case b < 256:
			return 80
		}
		return 100
	}
	strong, weak := -1, 101
	for _, c := range suites {
		v := strength(c.Bits)
		if c.Cipher == "NULL" {
			v = 0
		}
		strong, weak = max(strong, v), min(weak, v)
	}
	if strong < 0 {
		strong, weak = 100, 80 // only TLS 1.3 default suites seen: AES-128 at worst
	}
	s.Cipher = (strong + weak) / 2
	s.Score = (30*s.Protocol + 30*s.KeyExchange + 40*s.Cipher + 50) / 100

	grade := "F"
	for i, min := range []int{80, 65, 50, 35, 20} {
		if s.Score >= min {
			grade = sslGrades[i]
			break
		}
	}

	has := func(f func(c audit.CipherSuite) bool) bool { return slices.ContainsFunc(suites, f) }
	if has(func(c audit.CipherSuite) bool { return c.Export }) {
		capAt("F", "EXPORT suites")
	}
	if has(func(c audit.CipherSuite) bool { return c.Cipher == "NULL" }) {
		capAt("F", "NULL suites")
	}
	if has(func(c audit.CipherSuite) bool { return c.KeyExchange == "anon" || c.Auth == "anon" }) {
		capAt("F", "anonymous suites")
	}
	if v := t.Verification; v != nil && (!v.Trusted || !v.HostnameMatch) {
		capAt("F", "certificate not trusted (SSL Labs: T)")
	}
	if len(t.Certificates) > 0 {
		leaf := t.Certificates[0]
		if !o.Time.IsZero() && (o.Time.After(leaf.NotAfter) || o.Time.Before(leaf.NotBefore)) {
			capAt("F", "certificate expired or not yet valid (SSL Labs: T)")
		}
		if leaf.KeyType == "RSA" && leaf.KeyBits > 0 && leaf.KeyBits < 1024 {
			capAt("F", fmt.Sprintf("RSA key of %d bits", leaf.KeyBits))
		} else if leaf.KeyType == "RSA" && leaf.KeyBits > 0 && leaf.KeyBits < 2048 {
			capAt("B", fmt.Sprintf("RSA key of %d bits", leaf.KeyBits))
		}
	}
	if accepted[audit.SSL30] {
		capAt("C", "SSLv3")
	}
	if has(func(c audit.CipherSuite) bool { return strings.HasPrefix(c.Cipher, "RC4") }) {
		capAt("C", "RC4")
	}
	if has(func(c audit.CipherSuite) bool { return strings.HasPrefix(c.Cipher, "3DES") }) && (accepted[audit.TLS11] || accepted[audit.TLS12] || accepted[audit.TLS13]) {
		capAt("C", "3DES with TLS 1.1 or later")
	}
	if t.SecureRenegotiation != nil && !*t.SecureRenegotiation {
		capAt("C", "no secure renegotiation")
	}
	if accepted[audit.TLS10] || accepted[audit.TLS11] {
		capAt("B", "TLS 1.0 or 1.1")
	}
	legacy := slices.DeleteFunc(slices.Clone(suites), func(c audit.CipherSuite) bool { return c.KeyExchange == "TLS13" })
	if len(legacy) > 0 && !slices.ContainsFunc(legacy, func(c audit.CipherSuite) bool {
		return c.KeyExchange == "ECDHE" || c.KeyExchange == "DHE"
	}) && !accepted[audit.TLS13] {
		capAt("B", "no forward secrecy")
	}
	if len(suites) > 0 && !has(func(c audit.CipherSuite) bool { return c.MAC == "AEAD" || c.KeyExchange == "TLS13" }) {
		capAt("B", "no AEAD suite")
	}
	for _, c := range s.Caps {
		g, _, _ := strings.Cut(c, ":")
		if slices.Index(sslGrades, g) > slices.Index(sslGrades, grade) {
			grade = g
		}
	}
	s.Grade = grade
	return s
}
