package audit

import "time"

// TLSObservation is what the TLS probe saw on one host and port.
type TLSObservation struct {
	Host string `json:"host"`
	Port int    `json:"port"`
	// Address is the IP address and port probed ("192.0.2.1:443").
	Address string `json:"address,omitempty"`
	// Error is set when no TLS could be spoken at all (no address,
	// connection refused, not TLS); the other fields are then empty.
	Error string `json:"error,omitempty"`

	// Protocols has one entry per protocol version tried, from SSLv3 to
	// TLS 1.3, whether accepted or not.
	Protocols []TLSProtocol `json:"protocols,omitempty"`
	// Groups lists the key-exchange groups the server accepts, by IANA
	// name ("x25519", "secp256r1", "X25519MLKEM768").
	Groups []string `json:"groups,omitempty"`
	// GroupsError says why the list of groups may be incomplete (a
	// timeout in the middle of the enumeration, an odd answer).
	GroupsError string `json:"groups_error,omitempty"`

	// Handshake is what a normal handshake (Go's crypto/tls, offering
	// classical key-exchange groups only: post-quantum support is in
	// Groups) negotiated; nil if it failed.
	Handshake *TLSHandshake `json:"handshake,omitempty"`
	// HandshakeError is why the normal handshake failed, if it did.
	HandshakeError string `json:"handshake_error,omitempty"`

	// Certificates is the chain as the server sent it, leaf first.
	Certificates []Certificate `json:"certificates,omitempty"`
	// Verification is the result of verifying that chain.
	Verification *CertVerification `json:"verification,omitempty"`

	// SecureRenegotiation is true when the server supports RFC 5746.
	SecureRenegotiation *bool `json:"secure_renegotiation,omitempty"`
	// ExtendedMasterSecret is true when the server supports RFC 7627.
	ExtendedMasterSecret *bool `json:"extended_master_secret,omitempty"`
	// OCSPStapled is true when the server stapled an OCSP response.
	OCSPStapled bool `json:"ocsp_stapled"`

	// EnumeratedFrom names the host whose probe, on the same address,
	// enumerated the Protocols, their suites and the Groups recorded
	// here: this host's server answered the same (certificate,
	// negotiated version and suite, the versions accepted and the suite
	// each version's first hello got), so vigie did not ask it again.
	// Empty when this host was enumerated itself.
	EnumeratedFrom string `json:"enumerated_from,omitempty"`
	// SharedFrom names the domain whose audit, earlier in the same
	// campaign, probed this address and server name: this observation
	// is that one (within a quarter of an hour), and this audit did not
	// connect to the server. Empty when the audit probed it itself.
	SharedFrom string `json:"shared_from,omitempty"`
}

// TLS protocol version names, as used in TLSProtocol.Version.
const (
	SSL30 = "SSLv3"
	TLS10 = "TLS1.0"
	TLS11 = "TLS1.1"
	TLS12 = "TLS1.2"
	TLS13 = "TLS1.3"
)

// TLSProtocol is what the server accepts for one protocol version.
type TLSProtocol struct {
	Version  string `json:"version"` // SSLv3, TLS1.0 ... TLS1.3
	Accepted bool   `json:"accepted"`
	// Suites lists the accepted cipher suites by IANA name
	// ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), in the server's order
	// of preference when it imposes one.
	Suites []CipherSuite `json:"suites,omitempty"`
	// ServerOrder is true when the server chooses the suite by its own
	// preference, false when it follows the client's; nil when it could
	// not be told (fewer than two suites).
	ServerOrder *bool `json:"server_order,omitempty"`
	// Error is set when the probe could not tell (a timeout, a
	// connection reset that is not a refusal).
	Error string `json:"error,omitempty"`
}

// CipherSuite is one cipher suite and its properties, so that checks need
// no table of their own.
type CipherSuite struct {
	ID   uint16 `json:"id"`
	Name string `json:"name"`
	// KeyExchange is "ECDHE", "DHE", "RSA", "anon" (no authentication),
	// "TLS13" (negotiated separately in TLS 1.3), ...
	KeyExchange string `json:"kx"`
	// Cipher is "AES_128_GCM", "CHACHA20_POLY1305", "3DES_EDE_CBC",
	// "RC4_128", "NULL", ...
	Cipher string `json:"cipher"`
	// MAC is "AEAD", "SHA", "SHA256", "SHA384", "MD5".
	MAC string `json:"mac"`
	// Auth is how the server authenticates: "RSA", "ECDSA", "DSS",
	// "anon" (not at all); empty for TLS 1.3 suites, where the
	// certificate's key decides.
	Auth string `json:"auth,omitempty"`
	// Export is true for the EXPORT suites.
	Export bool `json:"export,omitempty"`
	// Bits is the cipher's effective key size.
	Bits int `json:"bits"`
}

// TLSHandshake is what a normal handshake negotiated.
type TLSHandshake struct {
	Version     string `json:"version"`
	CipherSuite string `json:"cipher_suite"`
	// Group is the key-exchange group, when known ("X25519MLKEM768").
	Group string `json:"group,omitempty"`
	ALPN  string `json:"alpn,omitempty"`
}

// Certificate is one certificate of the chain, as seen.
type Certificate struct {
	Subject            string    `json:"subject"`
	Issuer             string    `json:"issuer"`
	Serial             string    `json:"serial"`
	NotBefore          time.Time `json:"not_before"`
	NotAfter           time.Time `json:"not_after"`
	DNSNames           []string  `json:"dns_names,omitempty"`
	IPAddresses        []string  `json:"ip_addresses,omitempty"`
	KeyType            string    `json:"key_type"` // "RSA", "ECDSA", "Ed25519"
	KeyBits            int       `json:"key_bits"`
	SignatureAlgorithm string    `json:"signature_algorithm"` // "SHA256-RSA", "SHA1-RSA", "ECDSA-SHA256"...
	IsCA               bool      `json:"is_ca"`
	// SelfSigned is true when the certificate is signed by its own key.
	SelfSigned bool   `json:"self_signed"`
	SHA256     string `json:"sha256"` // fingerprint of the DER, hex
	// OCSPServers and IssuingCertificateURL come from the certificate's
	// Authority Information Access extension.
	OCSPServers           []string `json:"ocsp_servers,omitempty"`
	IssuingCertificateURL []string `json:"issuing_certificate_url,omitempty"`
}

// CertVerification is the result of verifying the server's chain against
// the trusted roots, at the time of the audit.
type CertVerification struct {
	// Trusted is true when a chain to a trusted root was built.
	Trusted bool `json:"trusted"`
	// TrustError says why not ("x509: certificate signed by unknown
	// authority").
	TrustError string `json:"trust_error,omitempty"`
	// HostnameMatch is true when the leaf is valid for the host name.
	HostnameMatch bool   `json:"hostname_match"`
	HostnameError string `json:"hostname_error,omitempty"`
	// MissingIntermediate is true when the server's chain does not
	// reach a trusted root by itself but would with an intermediate the
	// server did not send.
	MissingIntermediate bool `json:"missing_intermediate,omitempty"`
	// Roots names where the trusted roots came from ("system",
	// "SSL_CERT_FILE=/path").
	Roots string `json:"roots,omitempty"`
}
