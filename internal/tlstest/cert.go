package tlstest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"
)

// KeyType is the kind and size of a certificate's key.
type KeyType int

// Key types. The zero value, ECDSA P-256, is the fastest to generate.
const (
	ECDSAP256 KeyType = iota
	ECDSAP384
	RSA2048
	RSA1024
)

var (
	rsaMu   sync.Mutex
	rsaKeys = map[int]*rsa.PrivateKey{}
)

// newKey returns a key of type k. RSA keys are slow to generate, so one
// key of each size is made per test binary and shared: the tests look at
// certificates, not at key secrecy.
func newKey(t testing.TB, k KeyType) crypto.Signer {
	t.Helper()
	switch k {
	case RSA2048, RSA1024:
		bits := 2048
		if k == RSA1024 {
			bits = 1024
		}
		rsaMu.Lock()
		defer rsaMu.Unlock()
		if key, ok := rsaKeys[bits]; ok {
			return key
		}
		key, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			t.Fatalf("tlstest: RSA-%d key: %v", bits, err)
		}
		rsaKeys[bits] = key
		return key
	case ECDSAP384:
		key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		if err != nil {
			t.Fatalf("tlstest: P-384 key: %v", err)
		}
		return key
	default:
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatalf("tlstest: P-256 key: %v", err)
		}
		return key
	}
}

// CA is a test certificate authority: a root and an intermediate signed
// by it. Leaf certificates are issued by the intermediate unless asked
// otherwise.
type CA struct {
	Root         *x509.Certificate
	Intermediate *x509.Certificate
	rootKey      crypto.Signer
	interKey     crypto.Signer
}

// NewCA makes a CA whose root and intermediate are named after name
// ("Test Root CA name"), valid from a day ago for ten years.
func NewCA(t testing.TB, name string) *CA {
	t.Helper()
	ca := &CA{rootKey: newKey(t, ECDSAP256), interKey: newKey(t, ECDSAP256)}
	now := time.Now()
	root := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{Organization: []string{"vigie tests"}, CommonName: "Test Root CA " + name},
		NotBefore:             now.Add(-24 * time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	ca.Root = create(t, root, root, ca.rootKey.Public(), ca.rootKey)
	inter := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{Organization: []string{"vigie tests"}, CommonName: "Test Intermediate CA " + name},
		NotBefore:             root.NotBefore,
		NotAfter:              root.NotAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	ca.Intermediate = create(t, inter, ca.Root, ca.interKey.Public(), ca.rootKey)
	return ca
}

// Pool returns a pool holding the CA's root only.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Root)
	return p
}

// RootPEM returns the root in PEM, for a file given as SSL_CERT_FILE.
func (ca *CA) RootPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Root.Raw})
}

// CertOptions describes a leaf certificate.
type CertOptions struct {
	// DNSNames and IPAddresses are the subject alternative names;
	// when both are nil, "localhost" and 127.0.0.1.
	DNSNames    []string
	IPAddresses []net.IP
	// Key is the leaf's key type.
	Key KeyType
	// NotBefore and NotAfter bound the validity; zero means an hour
	// ago and 90 days from now. An expired certificate, one not yet
	// valid or one expiring soon is made by setting them.
	NotBefore, NotAfter time.Time
	// SHA1 signs the leaf with SHA-1 (SHA1WithRSA or ECDSAWithSHA1,
	// after the issuer's key). crypto/x509 still creates such
	// certificates, though it refuses to verify them.
	SHA1 bool
	// SelfSigned makes the leaf sign itself instead of the CA.
	SelfSigned bool
	// ByRoot makes the root sign the leaf directly, with no
	// intermediate.
	ByRoot bool
	// IssuingCertificateURL fills the Authority Information Access
	// "CA Issuers" field, where a browser would fetch a missing
	// intermediate.
	IssuingCertificateURL []string
}

// Cert is a leaf certificate with its key and the chain above it.
type Cert struct {
	Leaf *x509.Certificate
	Key  crypto.Signer
	// Intermediates are the certificates between the leaf and the
	// root, leaf's issuer first; empty for self-signed and root-signed
	// leaves.
	Intermediates []*x509.Certificate
}

// TLS returns the certificate for a tls.Config: the leaf, followed by the
// intermediates unless omitIntermediates is set.
func (c *Cert) TLS(omitIntermediates bool) tls.Certificate {
	tc := tls.Certificate{Certificate: [][]byte{c.Leaf.Raw}, PrivateKey: c.Key, Leaf: c.Leaf}
	if !omitIntermediates {
		for _, i := range c.Intermediates {
			tc.Certificate = append(tc.Certificate, i.Raw)
		}
	}
	return tc
}

// Issue makes a leaf certificate for TLS servers. With opts.SelfSigned
// the CA plays no part.
func (ca *CA) Issue(t testing.TB, opts CertOptions) *Cert {
	t.Helper()
	key := newKey(t, opts.Key)
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{Organization: []string{"vigie tests"}},
		NotBefore:             opts.NotBefore,
		NotAfter:              opts.NotAfter,
		DNSNames:              opts.DNSNames,
		IPAddresses:           opts.IPAddresses,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IssuingCertificateURL: opts.IssuingCertificateURL,
	}
	if _, ok := key.(*rsa.PrivateKey); ok {
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment // static RSA key exchange
	}
	if tmpl.DNSNames == nil && tmpl.IPAddresses == nil {
		tmpl.DNSNames = []string{"localhost"}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	if len(tmpl.DNSNames) > 0 {
		tmpl.Subject.CommonName = tmpl.DNSNames[0]
	} else {
		tmpl.Subject.CommonName = tmpl.IPAddresses[0].String()
	}
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = now.Add(-time.Hour)
	}
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = now.Add(90 * 24 * time.Hour)
	}
	c := &Cert{Key: key}
	parent, signer := ca.Intermediate, ca.interKey
	switch {
	case opts.SelfSigned:
		parent, signer = tmpl, key
	case opts.ByRoot:
		parent, signer = ca.Root, ca.rootKey
	default:
		c.Intermediates = []*x509.Certificate{ca.Intermediate}
	}
	if opts.SHA1 {
		if _, ok := signer.(*rsa.PrivateKey); ok {
			tmpl.SignatureAlgorithm = x509.SHA1WithRSA
		} else {
			tmpl.SignatureAlgorithm = x509.ECDSAWithSHA1
		}
	}
	c.Leaf = create(t, tmpl, parent, key.Public(), signer)
	return c
}

func create(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatalf("tlstest: certificate %q: %v", tmpl.Subject.CommonName, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("tlstest: certificate %q: %v", tmpl.Subject.CommonName, err)
	}
	return c
}

func serial(t testing.TB) *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		t.Fatalf("tlstest: serial: %v", err)
	}
	return n.Add(n, big.NewInt(1))
}
