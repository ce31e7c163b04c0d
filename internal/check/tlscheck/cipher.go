package tlscheck

import (
	"strconv"
	"strings"

	"vigie.eu/vigie/internal/audit"
)

var defNull = &audit.Definition{
	ID:       "tls.cipher.null",
	Severity: audit.Critical,
	Title: audit.Text{
		FR: "Le serveur accepte des suites sans chiffrement (NULL)",
		EN: "The server accepts cipher suites without encryption (NULL)",
	},
	Remediation: audit.Text{
		FR: "Retirer les suites NULL de la liste des suites autorisées : le trafic circule en clair. Ne garder que des suites ECDHE avec AES-GCM ou ChaCha20-Poly1305, par exemple " + ciphersConfig + ".",
		EN: "Remove the NULL suites from the allowed cipher suites: traffic travels in clear text. Keep only ECDHE suites with AES-GCM or ChaCha20-Poly1305, for instance " + ciphersConfEN + ".",
	},
	Standard: bcp195 + ", Section 4.1; " + anssiTLS + "; " + ncscTLS,
}

var defExport = &audit.Definition{
	ID:       "tls.cipher.export",
	Severity: audit.Critical,
	Title: audit.Text{
		FR: "Le serveur accepte des suites « EXPORT » ou à clé de moins de 112 bits (DES)",
		EN: "The server accepts EXPORT cipher suites or keys under 112 bits (DES)",
	},
	Remediation: audit.Text{
		FR: "Retirer les suites EXPORT et DES, cassables en quelques heures (attaques FREAK et Logjam). Ne garder que des suites ECDHE avec AES-GCM ou ChaCha20-Poly1305, par exemple " + ciphersConfig + ".",
		EN: "Remove the EXPORT and DES suites, breakable within hours (FREAK and Logjam attacks). Keep only ECDHE suites with AES-GCM or ChaCha20-Poly1305, for instance " + ciphersConfEN + ".",
	},
	Standard: bcp195 + ", Section 4.1; " + anssiTLS + "; " + ncscTLS,
}

var defAnon = &audit.Definition{
	ID:       "tls.cipher.anon",
	Severity: audit.Critical,
	Title: audit.Text{
		FR: "Le serveur accepte des suites anonymes, sans authentification du serveur",
		EN: "The server accepts anonymous cipher suites, without server authentication",
	},
	Remediation: audit.Text{
		FR: "Retirer les suites anonymes (ADH, AECDH, « anon ») : sans certificat, un attaquant placé sur le chemin peut se faire passer pour le serveur. Par exemple " + ciphersConfig + ".",
		EN: "Remove the anonymous suites (ADH, AECDH, \"anon\"): without a certificate, an on-path attacker can impersonate the server. For instance " + ciphersConfEN + ".",
	},
	Standard: "RFC 5246, Appendix A.5; " + bcp195 + "; " + anssiTLS + "; " + ncscTLS,
}

var defRC4 = &audit.Definition{
	ID:       "tls.cipher.rc4",
	Severity: audit.High,
	Title: audit.Text{
		FR: "Le serveur accepte des suites RC4",
		EN: "The server accepts RC4 cipher suites",
	},
	Remediation: audit.Text{
		FR: "Retirer toutes les suites RC4, interdites par le RFC 7465 (biais statistiques exploitables). Par exemple " + ciphersConfig + ".",
		EN: "Remove every RC4 suite, prohibited by RFC 7465 (exploitable statistical biases). For instance " + ciphersConfEN + ".",
	},
	Standard: "RFC 7465; " + bcp195 + ", Section 4.1; " + anssiTLS + "; " + ncscTLS,
}

var def3DES = &audit.Definition{
	ID:       "tls.cipher.3des",
	Severity: audit.Medium,
	Title: audit.Text{
		FR: "Le serveur accepte des suites 3DES",
		EN: "The server accepts 3DES cipher suites",
	},
	Remediation: audit.Text{
		FR: "Retirer les suites 3DES (blocs de 64 bits, attaque Sweet32, 112 bits de sécurité au plus). Par exemple " + ciphersConfig + ".",
		EN: "Remove the 3DES suites (64-bit blocks, Sweet32 attack, at most 112 bits of security). For instance " + ciphersConfEN + ".",
	},
	Standard: bcp195 + ", Section 4.1; " + anssiTLS + "; " + ncscTLS,
}

var defCBCSHA1 = &audit.Definition{
	ID:       "tls.cipher.cbc_sha1",
	Severity: audit.Low,
	Title: audit.Text{
		FR: "Le serveur accepte des suites CBC avec HMAC-SHA1",
		EN: "The server accepts CBC cipher suites with HMAC-SHA1",
	},
	Remediation: audit.Text{
		FR: "Préférer et, dès que les clients le permettent, n'autoriser que des suites AEAD (AES-GCM, ChaCha20-Poly1305) : le mode CBC avec MAC-then-encrypt a donné lieu à de nombreuses attaques (Lucky 13, POODLE TLS). Par exemple " + ciphersConfig + ".",
		EN: "Prefer, and once clients allow it only allow, AEAD suites (AES-GCM, ChaCha20-Poly1305): CBC with MAC-then-encrypt has led to many attacks (Lucky 13, POODLE TLS). For instance " + ciphersConfEN + ".",
	},
	Standard: bcp195 + ", Section 4.2; " + anssiTLS + "; " + ncscTLS,
}

var defNoForwardSecrecy = &audit.Definition{
	ID:       "tls.cipher.no_forward_secrecy",
	Severity: audit.Medium,
	Title: audit.Text{
		FR: "Le serveur accepte des suites sans confidentialité persistante (échange de clés RSA statique)",
		EN: "The server accepts cipher suites without forward secrecy (static RSA key exchange)",
	},
	Remediation: audit.Text{
		FR: "Retirer les suites à échange de clés RSA (TLS_RSA_WITH_*) ou DH/ECDH statique, et ne garder que ECDHE (ou DHE) : sinon, le vol de la clé privée du serveur permet de déchiffrer tout le trafic enregistré. Par exemple " + ciphersConfig + ".",
		EN: "Remove the suites with RSA key transport (TLS_RSA_WITH_*) or static DH/ECDH and keep only ECDHE (or DHE): otherwise theft of the server's private key decrypts all recorded traffic. For instance " + ciphersConfEN + ".",
	},
	Standard: bcp195 + ", Section 4.1; " + anssiTLS + "; " + ncscTLS,
}

var defNoAEAD = &audit.Definition{
	ID:       "tls.cipher.no_aead",
	Severity: audit.Medium,
	Title: audit.Text{
		FR: "Le serveur n'accepte aucune suite AEAD (AES-GCM, ChaCha20-Poly1305)",
		EN: "The server accepts no AEAD cipher suite (AES-GCM, ChaCha20-Poly1305)",
	},
	Remediation: audit.Text{
		FR: "Activer TLS 1.2 avec des suites AEAD et TLS 1.3 : " + protocolsConfig + ", puis " + ciphersConfig + ".",
		EN: "Enable TLS 1.2 with AEAD suites, and TLS 1.3: " + protocolsConfEN + ", then " + ciphersConfEN + ".",
	},
	Standard: bcp195 + ", Section 4.2; " + anssiTLS + "; " + ncscTLS,
}

// Cipher reports weak cipher suites among those a host accepts (RFC 9325
// Section 4.1, RFC 7465), suites without forward secrecy, and the absence
// of any AEAD suite. Each suite is listed once per finding, with the
// versions that accepted it.
var Cipher = audit.CheckFunc("tls.cipher", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	for _, t := range probed(o) {
		uses := acceptedSuites(t)
		var null, export, anon, rc4, tdes, cbcSHA1, static []suiteUse
		for _, u := range uses {
			s := u.suite
			bad := false
			if isNull(s) {
				null, bad = append(null, u), true
			}
			if isExport(s) {
				export, bad = append(export, u), true
			}
			if isAnon(s) {
				anon, bad = append(anon, u), true
			}
			if isRC4(s) {
				rc4, bad = append(rc4, u), true
			}
			if is3DES(s) {
				tdes, bad = append(tdes, u), true
			}
			// A suite already reported for a worse flaw is not listed
			// again as CBC-SHA1: each suite counts once, by its worst.
			if !bad && isCBC(s) && s.MAC == "SHA" {
				cbcSHA1 = append(cbcSHA1, u)
			}
			if staticKeyExchange(s) {
				if legacy := legacyVersions(u); len(legacy) > 0 {
					static = append(static, suiteUse{suite: s, versions: legacy})
				}
			}
		}
		for _, c := range []struct {
			def  *audit.Definition
			uses []suiteUse
		}{
			{defNull, null},
			{defExport, export},
			{defAnon, anon},
			{defRC4, rc4},
			{def3DES, tdes},
			{defCBCSHA1, cbcSHA1},
			{defNoForwardSecrecy, static},
		} {
			if len(c.uses) > 0 {
				out = append(out, c.def.New(t.Host, audit.M("tls.cipher.accepted", "suites", listSuites(c.uses))))
			}
		}
		if len(uses) > 0 && !anyAEAD(t, uses) {
			out = append(out, defNoAEAD.New(t.Host, audit.M("tls.cipher.no_aead", "count", strconv.Itoa(len(uses)), "versions", strings.Join(acceptedVersions(t), ", "))))
		}
	}
	return out
}, defNull, defExport, defAnon, defRC4, def3DES, defCBCSHA1, defNoForwardSecrecy, defNoAEAD)

func isNull(s audit.CipherSuite) bool {
	return strings.EqualFold(s.Cipher, "NULL") || strings.Contains(s.Name, "_WITH_NULL_")
}

// isExport also reports suites whose cipher has fewer than 112 bits of key
// (single DES): RFC 9325 Section 4.1 forbids both in the same sentence.
func isExport(s audit.CipherSuite) bool {
	weak := s.Bits > 0 && s.Bits < 112 && !isNull(s)
	return s.Export || strings.Contains(s.Name, "_EXPORT") || weak
}

func isAnon(s audit.CipherSuite) bool {
	return strings.Contains(strings.ToLower(s.KeyExchange), "anon") || strings.Contains(s.Name, "_anon_")
}

func isRC4(s audit.CipherSuite) bool {
	return strings.HasPrefix(strings.ToUpper(s.Cipher), "RC4") || strings.Contains(s.Name, "_RC4_")
}

func is3DES(s audit.CipherSuite) bool {
	return strings.Contains(strings.ToUpper(s.Cipher), "3DES") || strings.Contains(s.Name, "_3DES_")
}

func isCBC(s audit.CipherSuite) bool {
	return strings.Contains(strings.ToUpper(s.Cipher), "CBC")
}

// staticKeyExchange reports a key exchange without an ephemeral secret:
// RSA key transport or static (EC)DH. Anonymous suites are reported as
// such, not here.
func staticKeyExchange(s audit.CipherSuite) bool {
	if isAnon(s) {
		return false
	}
	kx := strings.ToUpper(s.KeyExchange)
	switch {
	case kx == "RSA", kx == "DH", kx == "ECDH":
		return true
	case strings.HasPrefix(kx, "DH_"), strings.HasPrefix(kx, "ECDH_"):
		return true
	}
	return false
}

// legacyVersions keeps the versions up to TLS 1.2 of u: TLS 1.3 always
// uses an ephemeral key exchange.
func legacyVersions(u suiteUse) []string {
	var out []string
	for _, v := range u.versions {
		if r := versionRank(v); r >= 0 && r <= versionRank(audit.TLS12) {
			out = append(out, v)
		}
	}
	return out
}

// anyAEAD reports whether an accepted suite is AEAD; every TLS 1.3 suite is
// (RFC 8446 Section 5.2).
func anyAEAD(t *audit.TLSObservation, uses []suiteUse) bool {
	if accepted(t, audit.TLS13) {
		return true
	}
	for _, u := range uses {
		if strings.EqualFold(u.suite.MAC, "AEAD") || contains(u.versions, audit.TLS13) {
			return true
		}
	}
	return false
}

// acceptedVersions lists the accepted versions in probe order.
func acceptedVersions(t *audit.TLSObservation) []string {
	var out []string
	for _, p := range t.Protocols {
		if p.Accepted && p.Error == "" && !contains(out, p.Version) {
			out = append(out, p.Version)
		}
	}
	return out
}
