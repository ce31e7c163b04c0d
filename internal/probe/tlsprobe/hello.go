package tlsprobe

import (
	"golang.org/x/crypto/cryptobyte"
)

// Protocol version code points (RFC 8446 appendix B.1, RFC 6101).
const (
	versionSSL30 uint16 = 0x0300
	versionTLS10 uint16 = 0x0301
	versionTLS11 uint16 = 0x0302
	versionTLS12 uint16 = 0x0303
	versionTLS13 uint16 = 0x0304
)

// Extension code points (IANA "TLS ExtensionType Values").
const (
	extServerName           uint16 = 0      // RFC 6066 section 3
	extSupportedGroups      uint16 = 10     // RFC 8446 section 4.2.7
	extECPointFormats       uint16 = 11     // RFC 8422 section 5.1.2
	extSignatureAlgorithms  uint16 = 13     // RFC 8446 section 4.2.3
	extPadding              uint16 = 21     // RFC 7685
	extExtendedMasterSecret uint16 = 23     // RFC 7627 section 5.1
	extSupportedVersions    uint16 = 43     // RFC 8446 section 4.2.1
	extPSKModes             uint16 = 45     // RFC 8446 section 4.2.9
	extKeyShare             uint16 = 51     // RFC 8446 section 4.2.8
	extRenegotiationInfo    uint16 = 0xff01 // RFC 5746 section 3.2
)

// Record content types (RFC 8446 section 5.1) and handshake message types
// (RFC 8446 section 4, RFC 5246 section 7.4).
const (
	recordAlert     = 21
	recordHandshake = 22

	msgClientHello       = 1
	msgServerHello       = 2
	msgCertificate       = 11
	msgServerKeyExchange = 12
	msgServerHelloDone   = 14
	msgCertificateStatus = 22
)

// signatureSchemes is offered in every TLS 1.2 and 1.3 hello: wide, so
// that a server with an unusual certificate still answers (RFC 8446
// section 4.2.3, RFC 5246 section 7.4.1.4.1 for the SHA-1, SHA-224 and DSA
// pairs).
var signatureSchemes = []uint16{
	0x0403, 0x0503, 0x0603, // ecdsa_secp256r1_sha256 ... secp521r1_sha512
	0x0807, 0x0808, // ed25519, ed448
	0x0804, 0x0805, 0x0806, // rsa_pss_rsae_sha256/384/512
	0x0809, 0x080a, 0x080b, // rsa_pss_pss_sha256/384/512
	0x0401, 0x0501, 0x0601, // rsa_pkcs1_sha256/384/512
	0x0301, 0x0302, 0x0303, // SHA-224 with RSA, DSA, ECDSA
	0x0402, 0x0502, 0x0602, // DSA with SHA-256/384/512
	0x0201, 0x0202, 0x0203, // SHA-1 with RSA, DSA, ECDSA
}

// hello describes one raw ClientHello.
type hello struct {
	// version is the protocol offered: for SSLv3 to TLS 1.2 the
	// legacy client_version; for TLS 1.3 the only entry of
	// supported_versions.
	version uint16
	suites  []uint16
	groups  []uint16
	// keyShare is the X25519 public key sent in key_share (TLS 1.3).
	// Nil sends an empty client_shares list, which asks the server for
	// a HelloRetryRequest naming its group (RFC 8446 section 4.1.4).
	keyShare []byte
	// serverName is sent in server_name when it is a host name.
	serverName string
	// random fills the random and, for TLS 1.3, the legacy session id.
	random [32]byte
}

// marshal returns the ClientHello as a handshake record ready to write.
//
// RFC 5246 section 7.4.1.2 and RFC 8446 section 4.1.2.
func (h *hello) marshal() []byte {
	exts := h.extensions()
	msg := h.message(exts)
	// RFC 7685: some servers mishandle hellos of 256 to 511 bytes;
	// pad such a hello to 512 bytes, as browsers do.
	if n := len(msg); n >= 256 && n < 512 && h.version >= versionTLS10 {
		pad := 512 - n
		if pad >= 5 {
			pad -= 4
		} else {
			pad = 1
		}
		exts = append(exts, extension{extPadding, make([]byte, pad)})
		msg = h.message(exts)
	}
	recordVersion := versionTLS10
	if h.version == versionSSL30 {
		recordVersion = versionSSL30
	}
	var b cryptobyte.Builder
	b.AddUint8(recordHandshake)
	b.AddUint16(recordVersion)
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(msg) })
	return b.BytesOrPanic()
}

type extension struct {
	typ  uint16
	data []byte
}

func (h *hello) message(exts []extension) []byte {
	legacy := h.version
	if legacy > versionTLS12 {
		legacy = versionTLS12 // RFC 8446 section 4.1.2
	}
	var b cryptobyte.Builder
	b.AddUint8(msgClientHello)
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint16(legacy)
		b.AddBytes(h.random[:])
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) {
			if h.version == versionTLS13 {
				// Middlebox compatibility mode, RFC 8446
				// section D.4: a non-empty session id.
				b.AddBytes(h.random[:])
			}
		})
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, s := range h.suites {
				b.AddUint16(s)
			}
		})
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint8(0) }) // null compression
		if len(exts) == 0 {
			return
		}
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, e := range exts {
				b.AddUint16(e.typ)
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(e.data) })
			}
		})
	})
	return b.BytesOrPanic()
}

func (h *hello) extensions() []extension {
	if h.version == versionSSL30 {
		// SSLv3 has no extensions (RFC 6101); a real SSLv3 stack may
		// choke on them.
		return nil
	}
	var exts []extension
	if h.serverName != "" {
		// RFC 6066 section 3: a list holding one host_name.
		exts = append(exts, extension{extServerName, build(func(b *cryptobyte.Builder) {
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				b.AddUint8(0)
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(h.serverName)) })
			})
		})})
	}
	if len(h.groups) > 0 {
		exts = append(exts, extension{extSupportedGroups, build(func(b *cryptobyte.Builder) {
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				for _, g := range h.groups {
					b.AddUint16(g)
				}
			})
		})})
	}
	if h.version < versionTLS13 {
		exts = append(exts, extension{extECPointFormats, []byte{1, 0}}) // uncompressed
	}
	if h.version >= versionTLS12 {
		exts = append(exts, extension{extSignatureAlgorithms, build(func(b *cryptobyte.Builder) {
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				for _, s := range signatureSchemes {
					b.AddUint16(s)
				}
			})
		})})
	}
	if h.version < versionTLS13 {
		// An empty renegotiated_connection: this is an initial
		// handshake (RFC 5746 section 3.4).
		exts = append(exts, extension{extRenegotiationInfo, []byte{0}})
		exts = append(exts, extension{extExtendedMasterSecret, nil})
	}
	if h.version == versionTLS13 {
		exts = append(exts, extension{extSupportedVersions, []byte{2, 3, 4}})
		exts = append(exts, extension{extPSKModes, []byte{1, 1}}) // psk_dhe_ke
		exts = append(exts, extension{extKeyShare, build(func(b *cryptobyte.Builder) {
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				if h.keyShare != nil {
					b.AddUint16(groupX25519)
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(h.keyShare) })
				}
			})
		})})
	}
	return exts
}

func build(f func(b *cryptobyte.Builder)) []byte {
	var b cryptobyte.Builder
	f(&b)
	return b.BytesOrPanic()
}
