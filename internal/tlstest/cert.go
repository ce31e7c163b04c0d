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
	"fmt"
	"math/big"
	"net"
	"sync"
	"time"

	"vigie.eu/vigie/internal/tcptest"
)

// TB is the part of testing.TB that the wrappers NewServer, NewCA and
// Issue use; every testing.TB is one.
type TB = tcptest.TB

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

// NewKey returns a key of type k. RSA keys are slow to generate, so one
// key of each size is made per process and shared: the fakes' users look
// at certificates, not at key secrecy.
func NewKey(k KeyType) (crypto.Signer, error) {
	switch k {
	case RSA2048, RSA1024:
		bits := 2048
		if k == RSA1024 {
			bits = 1024
		}
		rsaMu.Lock()
		defer rsaMu.Unlock()
		if key, ok := rsaKeys[bits]; ok {
			return key, nil
		}
		key, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			return nil, fmt.Errorf("tlstest: RSA-%d key: %v", bits, err)
		}
		rsaKeys[bits] = key
		return key, nil
	case ECDSAP384:
		key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("tlstest: P-384 key: %v", err)
		}
		return key, nil
	default:
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("tlstest: P-256 key: %v", err)
		}
		return key, nil
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

// NewCA makes a CA (see CreateCA); any error fails the test.
func NewCA(t TB, name string) *CA {
	t.Helper()
	ca, err := CreateCA(name)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return ca
}

// CreateCA makes a CA whose root and intermediate are named after name
// ("Test Root CA name"), valid from a day ago for ten years.
func CreateCA(name string) (*CA, error) {
	rootKey, err := NewKey(ECDSAP256)
	if err != nil {
		return nil, err
	}
	interKey, err := NewKey(ECDSAP256)
	if err != nil {
		return nil, err
	}
	ca := &CA{rootKey: rootKey, interKey: interKey}
	now := time.Now()
	root := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{Organization: []string{"vigie tests"}, CommonName: "Test Root CA " + name},
		NotBefore:             now.Add(-24 * time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	if ca.Root, err = create(root, root, ca.rootKey.Public(), ca.rootKey); err != nil {
		return nil, err
	}
	inter := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{Organization: []string{"vigie tests"}, CommonName: "Test Intermediate CA " + name},
		NotBefore:             root.NotBefore,
		NotAfter:              root.NotAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	if ca.Intermediate, err = create(inter, ca.Root, ca.interKey.Public(), ca.rootKey); err != nil {
		return nil, err
	}
	return ca, nil
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
	// Signer, when set, is the leaf's key, instead of a new one of
	// type Key: a lab of thousands of sites shares a few keys.
	Signer crypto.Signer
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

// Issue makes a leaf certificate (see Create); any error fails the test.
func (ca *CA) Issue(t TB, opts CertOptions) *Cert {
	t.Helper()
	c, err := ca.Create(opts)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return c
}

// Create makes a leaf certificate for TLS servers. With opts.SelfSigned
// the CA plays no part. It is safe for concurrent use.
func (ca *CA) Create(opts CertOptions) (*Cert, error) {
	key := opts.Signer
	if key == nil {
		var err error
		if key, err = NewKey(opts.Key); err != nil {
			return nil, err
		}
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
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
	var err error
	if c.Leaf, err = create(tmpl, parent, key.Public(), signer); err != nil {
		return nil, err
	}
	return c, nil
}

func create(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("tlstest: certificate %q: %v", tmpl.Subject.CommonName, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("tlstest: certificate %q: %v", tmpl.Subject.CommonName, err)
	}
	return c, nil
}

// serial is a random serial number of 64 bits, never zero (crypto/rand
// does not fail: Go 1.24 and later).
func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	return n.Add(n, big.NewInt(1))
}
