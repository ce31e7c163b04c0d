package tlsprobe

import (
	"strings"

	"vigie.eu/vigie/internal/audit"
)

// suiteNames is the table of cipher suites the probe offers, by IANA code
// point and name (https://www.iana.org/assignments/tls-parameters, "TLS
// Cipher Suites"). It holds every suite a web server is likely to speak,
// from the worst (NULL, EXPORT, anonymous, RC4, DES) to the best, and leaves
// out PSK, SRP, Kerberos and GOST suites, which need credentials a scanner
// does not have. The order is the one offered: modern suites first, as a
// browser would, so that a server following the client's order shows its
// best suite first.
//
// Properties (key exchange, cipher, MAC, bits) are derived from the names
// by parseSuiteName, so the table cannot contradict itself.
var suiteNames = []struct {
	id   uint16
	name string
}{
	// TLS 1.3 (RFC 8446, appendix B.4).
	{0x1301, "TLS_AES_128_GCM_SHA256"},
	{0x1302, "TLS_AES_256_GCM_SHA384"},
	{0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
	{0x1304, "TLS_AES_128_CCM_SHA256"},
	{0x1305, "TLS_AES_128_CCM_8_SHA256"},

	// ECDHE with AEAD (RFC 5289, RFC 7905, RFC 7251, RFC 6209).
	{0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
	{0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
	{0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
	{0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
	{0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
	{0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
	{0xc0ac, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM"},
	{0xc0ad, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM"},
	{0xc0ae, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8"},
	{0xc0af, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8"},
	{0xc05c, "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256"},
	{0xc05d, "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384"},
	{0xc060, "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256"},
	{0xc061, "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384"},

	// DHE with AEAD (RFC 5288, RFC 7905, RFC 6655).
	{0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
	{0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
	{0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
	{0xc09e, "TLS_DHE_RSA_WITH_AES_128_CCM"},
	{0xc09f, "TLS_DHE_RSA_WITH_AES_256_CCM"},
	{0xc0a2, "TLS_DHE_RSA_WITH_AES_128_CCM_8"},
	{0xc0a3, "TLS_DHE_RSA_WITH_AES_256_CCM_8"},
	{0x00a2, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256"},
	{0x00a3, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384"},
	{0xc052, "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256"},
	{0xc053, "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384"},

	// ECDHE with CBC (RFC 4492, RFC 5289, RFC 6367).
	{0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"},
	{0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
	{0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"},
	{0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
	{0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
	{0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
	{0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
	{0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
	{0xc072, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256"},
	{0xc073, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384"},
	{0xc076, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256"},
	{0xc077, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384"},
	{0xc008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA"},
	{0xc012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0xc007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"},
	{0xc011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"},
	{0xc006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA"},
	{0xc010, "TLS_ECDHE_RSA_WITH_NULL_SHA"},

	// DHE with CBC (RFC 5246, RFC 4132, RFC 5932, RFC 4162).
	{0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"},
	{0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"},
	{0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"},
	{0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"},
	{0x0040, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256"},
	{0x006a, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256"},
	{0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA"},
	{0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA"},
	{0x00be, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256"},
	{0x00c4, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256"},
	{0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA"},
	{0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA"},
	{0x0044, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA"},
	{0x0087, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA"},
	{0x009a, "TLS_DHE_RSA_WITH_SEED_CBC_SHA"},
	{0x0099, "TLS_DHE_DSS_WITH_SEED_CBC_SHA"},
	{0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA"},
	{0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA"},
	{0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA"},
	{0x0066, "TLS_DHE_DSS_WITH_RC4_128_SHA"},

	// Static RSA key exchange (RFC 5246, RFC 5288, RFC 6655, RFC 4132,
	// RFC 5932, RFC 4162, RFC 5469).
	{0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
	{0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384"},
	{0xc09c, "TLS_RSA_WITH_AES_128_CCM"},
	{0xc09d, "TLS_RSA_WITH_AES_256_CCM"},
	{0xc0a0, "TLS_RSA_WITH_AES_128_CCM_8"},
	{0xc0a1, "TLS_RSA_WITH_AES_256_CCM_8"},
	{0xc050, "TLS_RSA_WITH_ARIA_128_GCM_SHA256"},
	{0xc051, "TLS_RSA_WITH_ARIA_256_GCM_SHA384"},
	{0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256"},
	{0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256"},
	{0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"},
	{0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"},
	{0x00ba, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256"},
	{0x00c0, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256"},
	{0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA"},
	{0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA"},
	{0x0096, "TLS_RSA_WITH_SEED_CBC_SHA"},
	{0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA"},
	{0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0x0009, "TLS_RSA_WITH_DES_CBC_SHA"},
	{0x0005, "TLS_RSA_WITH_RC4_128_SHA"},
	{0x0004, "TLS_RSA_WITH_RC4_128_MD5"},
	{0x003b, "TLS_RSA_WITH_NULL_SHA256"},
	{0x0002, "TLS_RSA_WITH_NULL_SHA"},
	{0x0001, "TLS_RSA_WITH_NULL_MD5"},

	// Static (EC)DH key exchange, certificate-bound (RFC 4492, RFC 5246).
	{0xc02d, "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256"},
	{0xc02e, "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384"},
	{0xc031, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256"},
	{0xc032, "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384"},
	{0xc025, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256"},
	{0xc026, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384"},
	{0xc029, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256"},
	{0xc02a, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384"},
	{0xc004, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA"},
	{0xc005, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA"},
	{0xc00e, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA"},
	{0xc00f, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA"},
	{0xc003, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA"},
	{0xc00d, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0xc002, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA"},
	{0xc00c, "TLS_ECDH_RSA_WITH_RC4_128_SHA"},
	{0xc001, "TLS_ECDH_ECDSA_WITH_NULL_SHA"},
	{0xc00b, "TLS_ECDH_RSA_WITH_NULL_SHA"},
	{0x00a0, "TLS_DH_RSA_WITH_AES_128_GCM_SHA256"},
	{0x00a1, "TLS_DH_RSA_WITH_AES_256_GCM_SHA384"},
	{0x00a4, "TLS_DH_DSS_WITH_AES_128_GCM_SHA256"},
	{0x00a5, "TLS_DH_DSS_WITH_AES_256_GCM_SHA384"},
	{0x003f, "TLS_DH_RSA_WITH_AES_128_CBC_SHA256"},
	{0x0069, "TLS_DH_RSA_WITH_AES_256_CBC_SHA256"},
	{0x003e, "TLS_DH_DSS_WITH_AES_128_CBC_SHA256"},
	{0x0068, "TLS_DH_DSS_WITH_AES_256_CBC_SHA256"},
	{0x0031, "TLS_DH_RSA_WITH_AES_128_CBC_SHA"},
	{0x0037, "TLS_DH_RSA_WITH_AES_256_CBC_SHA"},
	{0x0030, "TLS_DH_DSS_WITH_AES_128_CBC_SHA"},
	{0x0036, "TLS_DH_DSS_WITH_AES_256_CBC_SHA"},
	{0x0043, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA"},
	{0x0086, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA"},
	{0x0042, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA"},
	{0x0085, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA"},
	{0x0098, "TLS_DH_RSA_WITH_SEED_CBC_SHA"},
	{0x0097, "TLS_DH_DSS_WITH_SEED_CBC_SHA"},
	{0x0010, "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0x000d, "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA"},
	{0x000f, "TLS_DH_RSA_WITH_DES_CBC_SHA"},
	{0x000c, "TLS_DH_DSS_WITH_DES_CBC_SHA"},

	// Anonymous (EC)DH: no server authentication at all.
	{0x00a6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256"},
	{0x00a7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384"},
	{0x006c, "TLS_DH_anon_WITH_AES_128_CBC_SHA256"},
	{0x006d, "TLS_DH_anon_WITH_AES_256_CBC_SHA256"},
	{0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA"},
	{0x003a, "TLS_DH_anon_WITH_AES_256_CBC_SHA"},
	{0x0046, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA"},
	{0x0089, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA"},
	{0x009b, "TLS_DH_anon_WITH_SEED_CBC_SHA"},
	{0x001b, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA"},
	{0x001a, "TLS_DH_anon_WITH_DES_CBC_SHA"},
	{0x0018, "TLS_DH_anon_WITH_RC4_128_MD5"},
	{0xc018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA"},
	{0xc019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA"},
	{0xc017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA"},
	{0xc016, "TLS_ECDH_anon_WITH_RC4_128_SHA"},
	{0xc015, "TLS_ECDH_anon_WITH_NULL_SHA"},

	// EXPORT suites, 40 and 56 bits (RFC 2246 appendix A.5; the
	// EXPORT1024 ones from draft-ietf-tls-56-bit-ciphersuites).
	{0x0064, "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA"},
	{0x0062, "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA"},
	{0x0065, "TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA"},
	{0x0063, "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA"},
	{0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5"},
	{0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5"},
	{0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA"},
	{0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA"},
	{0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA"},
	{0x000e, "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA"},
	{0x000b, "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA"},
	{0x0017, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5"},
	{0x0019, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA"},
}

// suiteInfo is a suite of the table with its properties.
type suiteInfo struct {
	audit.CipherSuite
	// tls12 is true for suites defined only for TLS 1.2 (AEAD,
	// SHA-256/384 MACs), which are not offered in older hellos.
	tls12 bool
	// tls13 is true for the TLS 1.3 suites.
	tls13 bool
	// ecdhe is true for suites with an ephemeral elliptic-curve key
	// exchange, used to find the curves of a TLS 1.2 server.
	ecdhe bool
}

var (
	suiteTable []suiteInfo
	suiteByID  = map[uint16]*suiteInfo{}
)

func init() {
	suiteTable = make([]suiteInfo, len(suiteNames))
	for i, s := range suiteNames {
		suiteTable[i] = parseSuiteName(s.id, s.name)
		suiteByID[s.id] = &suiteTable[i]
	}
}

// cipherBits gives the effective key size of each bulk cipher.
var cipherBits = map[string]int{
	"NULL": 0, "RC4_40": 40, "RC2_CBC_40": 40, "DES40_CBC": 40,
	"RC4_56": 56, "DES_CBC": 56, "3DES_EDE_CBC": 112, "RC4_128": 128,
	"IDEA_CBC": 128, "SEED_CBC": 128,
	"AES_128_CBC": 128, "AES_256_CBC": 256, "AES_128_GCM": 128, "AES_256_GCM": 256,
	"AES_128_CCM": 128, "AES_256_CCM": 256, "AES_128_CCM_8": 128, "AES_256_CCM_8": 256,
	"CAMELLIA_128_CBC": 128, "CAMELLIA_256_CBC": 256,
	"ARIA_128_GCM": 128, "ARIA_256_GCM": 256, "CHACHA20_POLY1305": 256,
}

// parseSuiteName derives a suite's properties from its IANA name:
// TLS_<kx>[_<auth>][_EXPORT[1024]]_WITH_<cipher>[_<mac>] before TLS 1.3,
// TLS_<cipher>_<hash> for TLS 1.3 (RFC 8446 section B.4).
func parseSuiteName(id uint16, name string) suiteInfo {
	s := suiteInfo{CipherSuite: audit.CipherSuite{ID: id, Name: name}}
	rest := strings.TrimPrefix(name, "TLS_")
	kx, bulk, found := strings.Cut(rest, "_WITH_")
	if !found {
		// TLS 1.3: the key exchange is negotiated apart; the hash
		// suffix is the HKDF hash, the cipher is an AEAD.
		s.tls13 = true
		s.KeyExchange = "TLS13"
		s.MAC = "AEAD"
		i := strings.LastIndex(rest, "_SHA")
		s.Cipher = rest[:i]
		s.Bits = cipherBits[s.Cipher]
		return s
	}
	if k, ok := strings.CutSuffix(kx, "_EXPORT1024"); ok {
		kx, s.Export = k, true
	} else if k, ok := strings.CutSuffix(kx, "_EXPORT"); ok {
		kx, s.Export = k, true
	}
	switch kx {
	case "RSA":
		s.KeyExchange, s.Auth = "RSA", "RSA"
	case "DH_anon", "ECDH_anon":
		s.KeyExchange, s.Auth = "anon", "anon"
	default:
		k, auth, _ := strings.Cut(kx, "_")
		s.KeyExchange, s.Auth = k, auth
	}
	s.ecdhe = s.KeyExchange == "ECDHE"
	// The MAC is the last word when it names a hash; GCM, CCM and
	// ChaCha20-Poly1305 are AEADs whose last word is the PRF hash.
	cipher, mac := bulk, "AEAD"
	if i := strings.LastIndex(bulk, "_"); i > 0 {
		switch last := bulk[i+1:]; last {
		case "MD5", "SHA", "SHA256", "SHA384":
			cipher, mac = bulk[:i], last
		}
	}
	if strings.Contains(cipher, "GCM") || strings.Contains(cipher, "CCM") || strings.Contains(cipher, "POLY1305") {
		mac = "AEAD"
	}
	s.Cipher, s.MAC = cipher, mac
	s.Bits = cipherBits[cipher]
	s.tls12 = mac == "AEAD" || mac == "SHA256" || mac == "SHA384"
	return s
}

// suiteFor returns the properties of a suite, or a bare entry for a code
// point that is not in the table.
func suiteFor(id uint16) audit.CipherSuite {
	if s, ok := suiteByID[id]; ok {
		return s.CipherSuite
	}
	return audit.CipherSuite{ID: id, Name: "UNKNOWN_0x" + hex16(id)}
}

func hex16(v uint16) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[v>>12], digits[v>>8&15], digits[v>>4&15], digits[v&15]})
}

// offered returns the suites the probe offers in version v: the TLS 1.3
// suites in TLS 1.3; the others in TLS 1.2; in older versions, those that
// do not need TLS 1.2. They are in the order of suiteTable.
func offered(v uint16) []uint16 {
	var ids []uint16
	for _, s := range suiteTable {
		switch {
		case v == versionTLS13 && s.tls13,
			v != versionTLS13 && !s.tls13 && (v >= versionTLS12 || !s.tls12):
			ids = append(ids, s.ID)
		}
	}
	return ids
}
