package tlsprobe

// Named groups (IANA "TLS Supported Groups", RFC 8446 section 4.2.7,
// RFC 7919 for ffdhe, draft-ietf-tls-ecdhe-mlkem for the hybrids).
const (
	groupSecp256r1          uint16 = 23
	groupSecp384r1          uint16 = 24
	groupSecp521r1          uint16 = 25
	groupX25519             uint16 = 29
	groupX448               uint16 = 30
	groupFFDHE2048          uint16 = 256
	groupFFDHE3072          uint16 = 257
	groupFFDHE4096          uint16 = 258
	groupFFDHE6144          uint16 = 259
	groupFFDHE8192          uint16 = 260
	groupSecP256r1MLKEM768  uint16 = 0x11eb
	groupX25519MLKEM768     uint16 = 0x11ec
	groupSecP384r1MLKEM1024 uint16 = 0x11ed
)

var groupNames = map[uint16]string{
	groupSecp256r1:          "secp256r1",
	groupSecp384r1:          "secp384r1",
	groupSecp521r1:          "secp521r1",
	groupX25519:             "x25519",
	groupX448:               "x448",
	groupFFDHE2048:          "ffdhe2048",
	groupFFDHE3072:          "ffdhe3072",
	groupFFDHE4096:          "ffdhe4096",
	groupFFDHE6144:          "ffdhe6144",
	groupFFDHE8192:          "ffdhe8192",
	groupSecP256r1MLKEM768:  "SecP256r1MLKEM768",
	groupX25519MLKEM768:     "X25519MLKEM768",
	groupSecP384r1MLKEM1024: "SecP384r1MLKEM1024",
	26:                      "brainpoolP256r1",
	27:                      "brainpoolP384r1",
	28:                      "brainpoolP512r1",
}

// groupName returns the IANA name of a group, or its number.
func groupName(g uint16) string {
	if n, ok := groupNames[g]; ok {
		return n
	}
	return "0x" + hex16(g)
}

// groups13 are the groups tried in TLS 1.3, one HelloRetryRequest at a
// time: the hybrids first, since they are what the probe most wants to
// know about.
var groups13 = []uint16{
	groupX25519MLKEM768, groupSecP256r1MLKEM768, groupSecP384r1MLKEM1024,
	groupX25519, groupSecp256r1, groupSecp384r1, groupSecp521r1, groupX448,
	groupFFDHE2048, groupFFDHE3072, groupFFDHE4096, groupFFDHE6144, groupFFDHE8192,
}

// groups12 are the elliptic curves tried with ECDHE suites in TLS 1.2 and
// older, where the ServerKeyExchange names the curve (RFC 8422 section
// 5.4).
var groups12 = []uint16{
	groupX25519, groupSecp256r1, groupSecp384r1, groupSecp521r1, groupX448,
	26, 27, 28,
}

// helloGroups is the supported_groups list of the enumeration hellos:
// every classic group, so that no server refuses for want of a curve.
var helloGroups = []uint16{
	groupX25519, groupSecp256r1, groupSecp384r1, groupSecp521r1, groupX448,
	26, 27, 28,
	groupFFDHE2048, groupFFDHE3072, groupFFDHE4096, groupFFDHE6144, groupFFDHE8192,
}
