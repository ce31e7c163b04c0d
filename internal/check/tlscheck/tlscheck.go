// Package tlscheck judges what the TLS probe saw on port 443 of the audited
// hosts: protocol versions, cipher suites, key exchange groups, the
// certificate chain and the handshake extensions that protect against
// known attacks.
//
// Every check here is pure: it reads audit.Observations (with
// Observations.Time as "now") and returns findings, one per host and
// finding id. A host whose TLSObservation has Error set gives no finding:
// whether a site serves HTTPS at all is judged by the HTTP checks
// (http.https.missing). Nothing is reported about what the probe could not
// observe.
package tlscheck

import (
	"fmt"
	"sort"
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

// Checks lists every check of the package, in report order.
var Checks = []audit.Check{
	Protocol,
	Cipher,
	Validity,
	Trust,
	Hostname,
	Key,
	Signature,
	KeyExchange,
	Renegotiation,
	ExtendedMasterSecret,
}

// Documents cited by several definitions.
const (
	anssiTLS = "ANSSI, Recommandations de sécurité relatives à TLS (ANSSI-PA-035)"
	ncscTLS  = "NCSC-NL, IT Security Guidelines for Transport Layer Security (TLS)"
	bcp195   = "RFC 9325 (BCP 195)"
	cabBR    = "CA/Browser Forum, Baseline Requirements"
)

// Remediation snippets shared by several definitions.
const (
	protocolsConfig = "nginx : « ssl_protocols TLSv1.2 TLSv1.3; » ; Apache : « SSLProtocol -all +TLSv1.2 +TLSv1.3 »"
	protocolsConfEN = "nginx: \"ssl_protocols TLSv1.2 TLSv1.3;\"; Apache: \"SSLProtocol -all +TLSv1.2 +TLSv1.3\""
	ciphersConfig   = "nginx : « ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305; » ; Apache : même liste dans « SSLCipherSuite »"
	ciphersConfEN   = "nginx: \"ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;\"; Apache: the same list in \"SSLCipherSuite\""
)

// probed returns the TLS observations that can be judged: those where TLS
// was spoken at all.
func probed(o *audit.Observations) []*audit.TLSObservation {
	var out []*audit.TLSObservation
	for _, t := range o.TLS {
		if t == nil || t.Error != "" {
			continue
		}
		out = append(out, t)
	}
	return out
}

// versionRank orders protocol versions; unknown versions rank -1.
func versionRank(v string) int {
	switch v {
	case audit.SSL30:
		return 0
	case audit.TLS10:
		return 1
	case audit.TLS11:
		return 2
	case audit.TLS12:
		return 3
	case audit.TLS13:
		return 4
	}
	return -1
}

// versionText is the usual written form of a version ("TLS 1.0").
func versionText(v string) string {
	if strings.HasPrefix(v, "TLS") {
		return "TLS " + strings.TrimPrefix(v, "TLS")
	}
	return v
}

// accepted reports whether the host was seen to accept version: by the
// enumeration, or by the normal handshake.
func accepted(t *audit.TLSObservation, version string) bool {
	for _, p := range t.Protocols {
		if p.Version == version && p.Accepted && p.Error == "" {
			return true
		}
	}
	return t.Handshake != nil && t.Handshake.Version == version
}

// legacyAccepted reports whether a protocol older than TLS 1.3 is accepted,
// or, when no enumeration was recorded, whether nothing says otherwise.
// Handshake extensions of TLS 1.2 and below (renegotiation_info,
// extended_master_secret) only matter then.
func legacyAccepted(t *audit.TLSObservation) bool {
	if len(t.Protocols) == 0 {
		return t.Handshake == nil || t.Handshake.Version != audit.TLS13
	}
	for _, v := range []string{audit.SSL30, audit.TLS10, audit.TLS11, audit.TLS12} {
		if accepted(t, v) {
			return true
		}
	}
	return false
}

// suiteUse is one cipher suite and the protocol versions that accepted it.
type suiteUse struct {
	suite    audit.CipherSuite
	versions []string
}

// acceptedSuites gathers the suites of every accepted protocol, sorted by
// name, each with its versions in probe order.
func acceptedSuites(t *audit.TLSObservation) []suiteUse {
	byName := map[string]*suiteUse{}
	for _, p := range t.Protocols {
		if !p.Accepted || p.Error != "" {
			continue
		}
		for _, s := range p.Suites {
			u := byName[s.Name]
			if u == nil {
				u = &suiteUse{suite: s}
				byName[s.Name] = u
			}
			if !contains(u.versions, p.Version) {
				u.versions = append(u.versions, p.Version)
			}
		}
	}
	out := make([]suiteUse, 0, len(byName))
	for _, u := range byName {
		out = append(out, *u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].suite.Name < out[j].suite.Name })
	return out
}

// listSuites writes "A (TLS1.0, TLS1.2); B (TLS1.2)", at most
// evidence.MaxItems suites.
func listSuites(uses []suiteUse) string {
	parts := make([]string, 0, len(uses))
	for _, u := range uses {
		parts = append(parts, fmt.Sprintf("%s (%s)", u.suite.Name, strings.Join(u.versions, ", ")))
	}
	return evidence.List(parts, "; ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
